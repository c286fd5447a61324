// A TypeDoc plugin that files every export of the API reference under its concept, taken from the module that
// defines it (the house style keeps one module per concept), so the sidebar reads in a newcomer's order
// instead of one alphabetical list. An explicit `@category` tag on an export wins over its module's concept.
//
// It also drops the README's own `# twosv` heading from the landing page, where the project name is already
// the title.
//
// test/docs-structure.test.ts checks the result: every export in a concept, the concepts in this order, the
// guides in reading order.
import { Comment, CommentTag, Converter, ReflectionKind } from 'typedoc';

/** The concepts in reading order, each with the source modules (paths under src/) whose exports it holds. */
export const CONCEPTS = [
  ['Codes and secrets', ['hotp.ts', 'totp.ts', 'secret.ts', 'base32.ts', 'types.ts']],
  ['URIs and QR codes', ['uri.ts', 'qr.ts']],
  ['Engine', ['enrollment.ts', 'engine/']],
  ['Policy', ['policy.ts']],
  ['Stores', ['store.ts']],
  ['Phones and e-mail', ['phone.ts', 'email.ts']],
  ['Errors', ['errors.ts']],
];

/** The concept of a module, from its path (`src/hotp.ts`, `/abs/src/engine/verify.ts`), or undefined. */
export function conceptOf(fileName) {
  const at = fileName.replaceAll('\\', '/').lastIndexOf('/src/');
  const path = at >= 0 ? fileName.slice(at + 5) : fileName.replace(/^src\//, '');
  for (const [concept, modules] of CONCEPTS) {
    if (modules.some((m) => (m.endsWith('/') ? path.startsWith(m) : path === m))) return concept;
  }
  return undefined;
}

function hasCategory(reflection) {
  const comments = [reflection.comment, ...(reflection.signatures ?? []).map((s) => s.comment)];
  return comments.some((c) => c?.blockTags.some((t) => t.tag === '@category'));
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    const name = project.name;
    // The landing page shows the project name as its title: the README's first heading would repeat it.
    const first = project.readme?.[0];
    if (first?.kind === 'text') {
      const heading = new RegExp(`^#\\s+${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\n`);
      first.text = first.text.replace(heading, '');
    }
    const modules = (project.children ?? []).filter((c) => c.kindOf(ReflectionKind.Module));
    const scopes = modules.length > 0 ? modules : [project];
    for (const scope of scopes) {
      for (const child of scope.children ?? []) {
        if (hasCategory(child)) continue;
        const fileName = project.getSymbolIdFromReflection(child)?.fileName;
        const concept = fileName === undefined ? undefined : conceptOf(fileName);
        if (concept === undefined) continue; // left uncategorised: the docs-structure test names it
        child.comment ??= new Comment();
        child.comment.blockTags.push(new CommentTag('@category', [{ kind: 'text', text: concept }]));
      }
    }
  });
}
