// `npm run bench`: every benchmark of the package, against the built dist/.
import { runCore } from './core.mjs';
import { runEnrollment } from './enrollment.mjs';
import { reportBundleSize } from './size.mjs';
import { runStores } from './stores.mjs';
import { runUri } from './uri.mjs';

console.log(`twosv benchmarks — node ${process.version}, ${new Date().toISOString()}`);
runCore();
await reportBundleSize();
await runUri();
await runEnrollment();
await runStores();
