/**
 * Entry point of the `twosv` executable.
 * @module
 * @internal
 */
import { runCli } from './cli.js';

const { stdout, stderr, status } = runCli(process.argv.slice(2));
if (stdout) process.stdout.write(`${stdout}\n`);
if (stderr) process.stderr.write(`${stderr}\n`);
process.exitCode = status;
