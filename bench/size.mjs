// Browser bundle size: what an app pays for TOTP generation and verification (all three algorithms
// reachable), bundled by esbuild for the browser, minified, then gzipped (level 9), beside the peers.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const entries = [
  ['twosv', "export { generateTotp, verifyTotp } from './dist/esm/index.js';"],
  ['otpauth', "export { TOTP, Secret } from 'otpauth';"],
  ['otplib', "export { generateSync, verifySync } from 'otplib';"],
];

export async function bundleSize(contents) {
  const result = await build({
    stdin: { contents, resolveDir: new URL('..', import.meta.url).pathname, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

export async function reportBundleSize() {
  console.log('\nbrowser bundle: generateTotp + verifyTotp (minified / min+gzip)');
  const results = [];
  for (const [name, contents] of entries) {
    const { minified, gzipped } = await bundleSize(contents);
    results.push({ name, minified, gzipped });
    console.log(
      `  ${name.padEnd(10)} ${(minified / 1024).toFixed(1).padStart(6)} KB / ${(gzipped / 1024).toFixed(2)} KB`,
    );
  }
  const ours = results[0].gzipped;
  console.log(`  target (issue 14): twosv at most 5 KB min+gzip: ${ours <= 5 * 1024 ? 'met' : 'NOT MET'}`);
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [twosv] = await reportBundleSize();
  if (twosv.gzipped > 5 * 1024) process.exitCode = 1;
}
