// `npm run bench`: every benchmark of the package, against the built dist/.
import { runCore } from './core.mjs';
import { reportBundleSize } from './size.mjs';

console.log(`twosv benchmarks — node ${process.version}, ${new Date().toISOString()}`);
runCore();
await reportBundleSize();
