// Docs cannot rot: every ```ts block of the README and the guides in docs/, and every @example block of the
// TSDoc in src/, is type-checked against the library's source and then run. Examples import from 'twosv'
// (mapped to src/index.ts); TSDoc examples get the package's exports imported for them.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { docChecksRun } from './support/doc-expect.js';

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

/** Splits `text` at its top-level commas (outside brackets and strings). */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (`'"\``.includes(c)) quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(from, i).trim());
      from = i + 1;
    }
  }
  parts.push(text.slice(from).trim());
  return parts;
}

/** Where `; // ` ends the code of a line, outside strings and regular expressions' reach; -1 when nowhere. */
function commentStart(line: string): number {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (`'"\``.includes(c)) quote = c;
    else if (c === ';' && /^;\s*\/\/ /.test(line.slice(i))) return i;
  }
  return -1;
}

/** The literals a comment starts with, one after another (`// true true`, `// 'a' 2`). */
function commentLiterals(comment: string): string[] {
  const literals: string[] = [];
  let rest = comment.trim();
  for (let literal = commentLiteral(rest); literal !== undefined; literal = commentLiteral(rest)) {
    literals.push(literal);
    rest = rest.slice(literal.length).trim();
  }
  return literals;
}

/**
 * Turns the lines whose comment starts with a literal into checks that the code's value equals it, so the
 * values the docs promise are the values the code returns:
 * - `expression; // literal` checks the expression;
 * - `console.log(a, b); // literal literal` checks each logged value;
 * - `const name = expression; // literal` checks `name` after the declaration;
 * - `if (condition) console.log(x); // literal` checks that the condition holds and `x` equals the literal.
 * Every check written must also run (a check in a `catch` that nothing reaches fails): the returned list
 * names them, and test/support/doc-expect.ts records those that ran.
 */
function withChecks(code: string, name: string): { code: string; checks: string[] } {
  const checks: string[] = [];
  const lines = code.split('\n').map((line, i) => {
    const at = commentStart(line);
    if (at < 0) return line;
    const indent = /^\s*/.exec(line)![0];
    let statement = line.slice(0, at).trim();
    const comment = line.slice(at).replace(/^;\s*\/\/ /, '');
    const literals = commentLiterals(comment);
    if (literals.length === 0) return line;
    const where = `${name} line ${i + 1}`;
    const check = (value: string, literal: string, n: number) => {
      const id = literals.length > 1 ? `${where} value ${n + 1}` : where;
      checks.push(id);
      return `__expectDoc(${value}, ${literal}, ${JSON.stringify(id)});`;
    };
    // `const name = expression;` / `let name = expression;`: check the name after it.
    const declared = /^(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=(?!=)/.exec(statement);
    if (declared) {
      // Only a comment that is the value alone (or with a note in brackets): `// null: only if absent` is prose.
      const rest = comment.trim().slice(literals[0]!.length).trim();
      if (literals.length !== 1 || (rest !== '' && !rest.startsWith('('))) return line;
      return `${line.slice(0, at + 1)} ${check(declared[1]!, literals[0]!, 0)}`;
    }
    let guard: string | undefined;
    const conditional = /^if\s*\((.*)\)\s*(console\.log\(.*\))$/.exec(statement);
    if (conditional) {
      guard = conditional[1]!;
      statement = conditional[2]!;
    }
    if (/^(import|export|return|if|for|while|await\s+\w+\s*=|[A-Za-z_$][\w$.]*\s*=(?!=))/.test(statement))
      return line; // a statement or an assignment, not a value
    const logged = /^console\.log\((.*)\)$/.exec(statement)?.[1];
    const values = logged === undefined ? [statement] : topLevelParts(logged);
    if (values.length !== literals.length) {
      if (values.length === 1 && literals.length > 1)
        literals.splice(1); // `// 'x' (prose)`: the first literal
      else return line; // prose such as `// masked number, 'backup'`
    }
    const guarded = (value: string) =>
      guard === undefined ? value : `((${guard}) ? (${value}) : ${JSON.stringify(`not reached: ${guard}`)})`;
    return indent + values.map((value, n) => check(guarded(value), literals[n]!, n)).join(' ');
  });
  const text = lines.join('\n');
  return {
    code: checks.length
      ? `import { __expectDoc } from '${join(import.meta.dirname, 'support', 'doc-expect.ts')}';\n${text}`
      : text,
    checks,
  };
}

const checksOf = new Map<string, string[]>();

beforeAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const e of examples) {
    const { code, checks } = withChecks(e.code, e.name);
    checksOf.set(e.name, checks);
    writeFileSync(join(outDir, e.file), `${code}\nexport {};\n`);
  }
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
      // Every check the example's comments promise ran (none sits in a catch or branch never reached).
      const ran = docChecksRun();
      expect((checksOf.get(example.name) ?? []).filter((id) => !ran.has(id))).toEqual([]);
    },
  );
});

describe('the example checker itself', () => {
  const checked = (line: string) => withChecks(line, 'x').checks.length;
  test.each([
    ["generateHotp(secret, 0); // '755224'", 1],
    ['verifyTotp(code, key); // { step: 1, delta: 0 }: still in the window', 1],
    ['console.log(match !== null, qr.length < 6000); // true true', 2],
    ["console.log(a / b, 'x//y'); // 2 'x//y'", 2],
    ["if (err instanceof TwoSvError) console.log(err.code); // 'INVALID_DIGITS'", 1],
    ["const n = 'abc'.length; // 3", 1],
    ['const n = store.put(key, value, null); // null: only if absent', 0],
    ["const secret = generateSecret(); // e.g. 'JBSWY3DPEHPK3PXP'", 0],
    ["console.log(phone, role); // masked number, 'backup'", 0],
    ['lastStep = match.step; // 3', 0],
  ] as const)('%s: %i check(s)', (line, count) => {
    expect(checked(line)).toBe(count);
  });

  test('a guarded check fails when its condition does not hold', async () => {
    const { code } = withChecks("if (false) console.log('a'); // 'a'", 'guard');
    expect(code).toContain(`__expectDoc(((false) ? ('a') : "not reached: false"), 'a', "guard line 1");`);
  });
});
