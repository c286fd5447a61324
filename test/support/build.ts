// Vitest global setup: build the package once (`npm run build`: the CJS bundle and CLI with tsup, the ESM
// modules with tsc), so tests can run the built `twosv` command and load the build the way users receive it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const run = (script: string, args: string[]) =>
    execFileSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });
  run('node_modules/tsup/dist/cli-default.js', ['--silent']);
  run('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.esm.json']);
}
