// The API reference as a reader browses it (issue #16): one module named after the package, every export
// filed under a concept in a newcomer's reading order, the guides in reading order starting with "Getting
// started", every guide in docs/ in the navigation, and one title on the landing page. TypeDoc converts the
// project here exactly as `npm run docs` does (same typedoc.json, same plugin), without rendering HTML.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Application, type ContainerReflection, type ProjectReflection, ReflectionKind } from 'typedoc';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** The concepts, in the order a newcomer needs them (issue #16). */
const READING_ORDER = [
  'Codes and secrets',
  'URIs and QR codes',
  'Engine',
  'Policy',
  'Stores',
  'Phones and e-mail',
  'Messages',
  'Errors',
];

/** The guides, in reading order. */
const GUIDES = [
  'Getting started',
  '快速上手（简体中文）',
  'Enrolling devices',
  'When a user loses their devices',
  'The device policy',
  'Stores: PostgreSQL, Redis, and writing your own',
  'Security notes',
  'Migrating from otplib and speakeasy',
];

let project: ProjectReflection;
let reference: ContainerReflection;

beforeAll(async () => {
  const app = await Application.bootstrapWithPlugins({
    options: join(root, 'typedoc.json'),
    logLevel: 'Error',
  });
  const converted = await app.convert();
  if (converted === undefined) throw new Error('TypeDoc could not convert the project');
  project = converted;
  const modules = (project.children ?? []).filter((c) => c.kindOf(ReflectionKind.Module));
  // The package entry first, then the sub-path exports (`twosv/postgres`, ...), each its own module.
  expect(modules.map((m) => m.name)).toEqual(['twosv', 'twosv/postgres', 'twosv/redis', 'twosv/testing']);
  reference = modules[0]!;
}, 180_000);

function exportNamesOfIndex(): string[] {
  const source = readFileSync(join(root, 'src/index.ts'), 'utf8');
  const names: string[] = [];
  for (const block of source.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const item of (block[1] ?? '').split(',')) {
      const name = item.replace(/^\s*type\s+/, '').trim();
      if (name !== '') names.push(name);
    }
  }
  return names.sort();
}

describe('the API reference', () => {
  it('is one module named after the package, then one per sub-path export', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string };
    expect(project.name).toBe(pkg.name);
    expect(reference.name).toBe(pkg.name);
  });

  it('holds every export of src/index.ts', () => {
    const documented = (reference.children ?? []).map((c) => c.name).sort();
    expect(documented).toEqual(exportNamesOfIndex());
  });

  it('files every export under a concept (the list below names any that lack one)', () => {
    const filed = new Set<string>();
    for (const category of reference.categories ?? []) {
      if (!READING_ORDER.includes(category.title)) continue;
      for (const child of category.children) filed.add(child.name);
    }
    const unfiled = (reference.children ?? []).map((c) => c.name).filter((name) => !filed.has(name));
    expect(unfiled, `exports without a concept: ${unfiled.join(', ')}`).toEqual([]);
  });

  it('lists the concepts in reading order, each with something in it', () => {
    expect((reference.categories ?? []).map((c) => c.title)).toEqual(READING_ORDER);
    for (const category of reference.categories ?? []) expect(category.children.length).toBeGreaterThan(0);
  });

  it('files known exports where a newcomer looks for them', () => {
    const conceptOf = (name: string) =>
      (reference.categories ?? []).find((c) => c.children.some((child) => child.name === name))?.title;
    expect(conceptOf('generateTotp')).toBe('Codes and secrets');
    expect(conceptOf('generateSecret')).toBe('Codes and secrets');
    expect(conceptOf('otpauthQrSvg')).toBe('URIs and QR codes');
    expect(conceptOf('createTwoStep')).toBe('Engine');
    expect(conceptOf('checkRemoveDevice')).toBe('Policy');
    expect(conceptOf('lockDurationMs')).toBe('Policy');
    expect(conceptOf('MemoryStore')).toBe('Stores');
    expect(conceptOf('isSamePhone')).toBe('Phones and e-mail');
    expect(conceptOf('TwoSvError')).toBe('Errors');
  });
});

describe('the guides', () => {
  it('are listed in reading order, starting with "Getting started"', () => {
    expect((project.documents ?? []).map((d) => d.name)).toEqual(GUIDES);
  });

  it('include every Markdown file of docs/ (a new guide must be given its place in typedoc.json)', () => {
    const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as {
      projectDocuments: string[];
    };
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === 'api' ? [] : walk(path);
        return entry.name.endsWith('.md') ? [relative(root, path)] : [];
      });
    const missing = walk(join(root, 'docs')).filter((file) => !config.projectDocuments.includes(file));
    expect(missing, `guides missing from typedoc.json projectDocuments: ${missing.join(', ')}`).toEqual([]);
  });
});

describe('the landing page', () => {
  it('shows the title once: the README heading that repeats the project name is not rendered', () => {
    const readme = (project.readme ?? []).map((part) => part.text).join('');
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toMatch(/^# twosv\n/);
    expect(readme).not.toMatch(/^\s*#\s+twosv\s*\n/);
    expect(readme.trimStart()).toMatch(/^Two-step verification for TypeScript/);
  });
});
