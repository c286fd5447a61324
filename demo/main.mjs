// `npm run demo`: the twosv demo on http://localhost:3000 (or $PORT), until Ctrl-C. Everything it stores is
// kept in an embedded PGlite database in `.demo-data/` (or $DEMO_DATA), so accounts and their two-step
// verification survive a restart; DATABASE_URL (PostgreSQL) or REDIS_URL (the engine's records in Redis)
// switch to a server. See storage.mjs. The support page (/support) takes DEMO_SUPPORT_PASSWORD, else
// 'demo-support'.
import { createDemoApp, sessionExpiry } from './app.mjs';
import { openStorage } from './storage.mjs';

const port = Number(process.env.PORT ?? 3000);
const storage = await openStorage({ sessionExpiry });
// The /support page's password: DEMO_SUPPORT_PASSWORD, else the demo's fixed one (see app.mjs).
const { server } = createDemoApp({
  ...storage,
  supportPassword: process.env.DEMO_SUPPORT_PASSWORD || undefined,
});
server.listen(port, '127.0.0.1', () => {
  console.log(`twosv demo: open http://localhost:${port} (Ctrl-C to stop)`);
  console.log(`twosv demo: accounts are kept in ${storage.where}`);
});

// A clean stop closes the database, so PGlite leaves its folder consistent.
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
  await storage.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
