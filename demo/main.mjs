// `npm run demo`: the twosv demo on http://localhost:3000 (or $PORT), until Ctrl-C.
import { createDemoApp } from './app.mjs';

const port = Number(process.env.PORT ?? 3000);
const { server } = createDemoApp();
server.listen(port, '127.0.0.1', () => {
  console.log(`twosv demo: open http://localhost:${port} (Ctrl-C to stop)`);
});
