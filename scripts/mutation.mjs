// `npm run test:mutation`: StrykerJS on the mutation config (stryker.config.mjs), arguments passed through
// (e.g. `npm run test:mutation -- --concurrency 1`; `MUTATE=core,uri npm run test:mutation` picks parts).
// StrykerJS 10 declares Node >= 22 and its command line refuses older versions. On Node 22+ this runs that
// command line. On the Node 20 the package still supports, it runs the same engine through its API (loaded by
// file path, past the version guard in the command-line module), with a warning: that works today but is
// not supported by StrykerJS.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

if (major >= 22) {
  const cli = fileURLToPath(new URL('../node_modules/@stryker-mutator/core/bin/stryker.js', import.meta.url));
  const { status } = spawnSync(process.execPath, [cli, 'run', ...args], { cwd: root, stdio: 'inherit' });
  process.exit(status ?? 1);
}

console.warn(
  `mutation: Node ${process.version} is older than StrykerJS's Node 22; running its API directly.`,
);
const cliOptions = {};
for (let i = 0; i < args.length; i += 2) {
  const name = args[i]?.replace(/^--/, '');
  const value = args[i + 1];
  if (!name || value === undefined)
    throw new Error(`mutation: expected --option value pairs, got ${args.join(' ')}`);
  cliOptions[name] =
    name === 'mutate' || name === 'testFiles'
      ? value.split(',')
      : /^\d+$/.test(value)
        ? Number(value)
        : value === 'true' || value === 'false'
          ? value === 'true'
          : value;
}
const { Stryker } = await import(
  new URL('../node_modules/@stryker-mutator/core/dist/src/stryker.js', import.meta.url).href
);
const results = await new Stryker({ configFile: 'stryker.config.mjs', ...cliOptions }).runMutationTest();
const killed = results.filter((r) => r.status === 'Killed' || r.status === 'Timeout').length;
const valid = results.filter((r) => !['CompileError', 'RuntimeError', 'Ignored'].includes(r.status)).length;
console.log(`mutation: ${killed}/${valid} detected (${valid ? ((100 * killed) / valid).toFixed(2) : '0'} %)`);
