// Docs cannot rot: every ```ts block of the README and the guides in docs/, and every @example block of the
// TSDoc in src/, is type-checked against the library's source and then run. Examples import from 'twosv'
// (mapped to src/index.ts); TSDoc examples get the package's exports imported for them.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const outDir = join(root, 'test-artifacts', 'docs');

interface Example {
  name: string;
  file: string;
  code: string;
  /** `false` for a sketch that needs outside services (a database): type-checked only. */
  run: boolean;
}

/** The ```ts blocks of a Markdown file; ```ts check=types marks a sketch that is type-checked but not run. */
function markdownBlocks(path: string): { code: string; run: boolean }[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/^```ts( check=types)?\n([\s\S]*?)^```$/gm)].map((m) => ({
    code: m[2] ?? '',
    run: m[1] === undefined,
  }));
}

function tsdocBlocks(path: string): string[] {
  const blocks: string[] = [];
  for (const comment of readFileSync(path, 'utf8').matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = (comment[1] ?? '')
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n');
    for (const example of body.matchAll(/@example[^\n]*\n```ts\n([\s\S]*?)```/g))
      blocks.push(example[1] ?? '');
  }
  return blocks;
}

/** What src/index.ts exports: name, whether it is a value (not only a type), and its TSDoc tags. */
function exportsOfIndex(): { name: string; value: boolean; tags: string[] }[] {
  const program = ts.createProgram([join(root, 'src/index.ts')], { module: ts.ModuleKind.NodeNext });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(join(root, 'src/index.ts'));
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) return [];
  return checker.getExportsOfModule(moduleSymbol).map((exported) => {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const tags = (symbol.declarations ?? []).flatMap((d) => ts.getJSDocTags(d).map((t) => t.tagName.text));
    return { name: exported.name, value: (symbol.flags & ts.SymbolFlags.Value) !== 0, tags };
  });
}

function exportedNames(): string[] {
  return exportsOfIndex().map((e) => e.name);
}

function collect(): Example[] {
  const examples: Example[] = [];
  // The guides in docs/ and their translations in docs/<locale>/ (docs/zh-CN/getting-started.md).
  const locales = readdirSync(join(root, 'docs'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^[a-z]{2}(-[A-Z]{2})?$/.test(d.name))
    .map((d) => `${d.name}/`);
  const guides = ['', ...locales].flatMap((dir) =>
    readdirSync(join(root, 'docs', dir))
      .filter((f) => f.endsWith('.md'))
      .map((f) => ({ prefix: dir, path: join(root, 'docs', dir, f) })),
  );
  for (const { prefix, path } of [{ prefix: '', path: join(root, 'README.md') }, ...guides]) {
    markdownBlocks(path).forEach(({ code, run }, i) => {
      examples.push({
        name: `${prefix}${basename(path)} block ${i + 1}`,
        file: `${prefix.replace('/', '-')}${basename(path, '.md')}-${i + 1}.ts`,
        code,
        run,
      });
    });
  }
  const names = exportedNames();
  const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
    .map((f) => f.split(sep).join('/'));
  for (const source of sources) {
    tsdocBlocks(join(root, 'src', source)).forEach((code, i) => {
      // A block with its own imports is complete; otherwise it uses the package's exports by name.
      const imports = code.includes("from 'twosv'")
        ? []
        : names.filter((n) => new RegExp(`\\b${n}\\b`).test(code));
      const header = imports.length ? `import { ${imports.join(', ')} } from 'twosv';\n` : '';
      examples.push({
        name: `src/${source} @example ${i + 1}`,
        file: `src-${source.replace(/\.ts$/, '').replaceAll('/', '-')}-${i + 1}.ts`,
        code: header + code,
        run: true,
      });
    });
  }
  return examples;
}

const examples = collect();

/**
 * The literal a comment starts with, as in `generateHotp(secret, 0); // '755224'` or
 * `verifyTotp(...); // { step: 1, delta: 0 }: still in the window`: the longest prefix of the comment that is a
 * JS literal (string, number, bigint, null, boolean, array or object of those). `undefined` for prose such as
 * `// e.g. '492039'`.
 */
function commentLiteral(comment: string): string | undefined {
  if (!/^['"`{[\d-]|^(null|true|false)\b/.test(comment)) return undefined;
  for (let end = comment.length; end > 0; end--) {
    const candidate = comment.slice(0, end).trim();
    if (!/['"`}\]\dnlesn]$/.test(candidate)) continue;
    try {
      new Function(`return (${candidate});`);
      return candidate;
    } catch {}
  }
  return undefined;
}

function hasTopLevelComma(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) return true;
  }
  return false;
}

/**
 * Turns `expression; // literal ...` lines into checks that the expression equals the literal, so the
 * values the docs promise are the values the code returns.
 */
function withChecks(code: string, name: string): string {
  let checks = 0;
  const lines = code.split('\n').map((line, i) => {
    const m = /^(\s*)([^/]*?);\s*\/\/ (.*)$/.exec(line);
    if (!m || /^(const|let|var|import|export|return|if|for|await\s+\w+\s*=)\b/.test(m[2]!.trim()))
      return line;
    if (m[2]!.includes('=') && !/[=!]==|=>/.test(m[2]!)) return line; // an assignment, not a value
    const literal = commentLiteral(m[3]!);
    if (literal === undefined) return line;
    checks++;
    const logged = /^console\.log\((.*)\)$/.exec(m[2]!.trim())?.[1];
    if (logged !== undefined && hasTopLevelComma(logged)) return line; // several values logged: prose
    const expression = logged ?? m[2];
    return `${m[1]}__expectDoc(${expression}, ${literal}, ${JSON.stringify(`${name} line ${i + 1}`)});`;
  });
  return checks
    ? `import { __expectDoc } from '${join(import.meta.dirname, 'support', 'doc-expect.ts')}';\n${lines.join('\n')}`
    : code;
}

beforeAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const e of examples)
    writeFileSync(join(outDir, e.file), `${withChecks(e.code, e.name)}\nexport {};\n`);
});

afterAll(() => vi.restoreAllMocks());

describe('documentation examples', () => {
  test('there are examples to check', () => {
    expect(examples.length).toBeGreaterThan(20);
  });

  test('every exported function, class and constant has an @example', () => {
    const missing = exportsOfIndex()
      .filter((e) => e.value && !e.tags.includes('example'))
      .map((e) => e.name);
    expect(missing).toEqual([]);
  });

  test('every example type-checks against the source', () => {
    const program = ts.createProgram(
      examples.map((e) => join(outDir, e.file)),
      {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        types: ['node'],
        skipLibCheck: true,
        allowImportingTsExtensions: true,
        paths: { twosv: [join(root, 'src/index.ts')], 'twosv/*': [join(root, 'src/*.ts')] },
      },
    );
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName.startsWith(outDir))
      .map((d) => {
        const file = d.file!;
        const example = examples.find((e) => join(outDir, e.file) === file.fileName);
        const { line } = file.getLineAndCharacterOfPosition(d.start ?? 0);
        return `${example?.name ?? file.fileName} line ${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  });

  test.each(examples.filter((e) => e.run).map((e) => [e.name, e] as const))(
    '%s runs',
    async (_name, example) => {
      vi.spyOn(console, 'log').mockImplementation(() => {});
      await import(/* @vite-ignore */ join(outDir, example.file));
    },
  );
});
