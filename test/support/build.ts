// Vitest global setup: build the package once, so tests can run the built `twosv` command and load the
// built bundles the way users receive them.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/tsup/dist/cli-default.js', '--silent'], {
    cwd: root,
    stdio: 'inherit',
  });
}
