import { defineConfig } from 'tsup';

// The ESM build is tsc's output, one file per module (`tsc -p tsconfig.esm.json`), so that an app's bundler
// drops whole modules it does not use (with `sideEffects: false`): an app that only checks codes never pulls
// in the QR encoder. CommonJS users get one bundled file, built here, and the CLI is one ESM file.
export default defineConfig([
  {
    // The sub-paths (`twosv/testing`, `twosv/postgres`, `twosv/redis`) are separate entries: importing
    // `twosv` never loads them, and they import no database driver (the app passes its client).
    entry: ['src/index.ts', 'src/testing.ts', 'src/postgres.ts', 'src/redis.ts'],
    format: ['cjs'],
    // Shared chunks, so that every entry uses one TwoSvError class (`instanceof` holds across sub-paths).
    splitting: true,
    dts: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
  },
  {
    entry: { cli: 'src/bin.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
