// One "app server" for the multi-process store tests: its own engine and its own connection pool (pg) or
// client (ioredis) on the shared store, driven by the parent over IPC. It loads the built package, as an
// app would. Messages: { id, op, ...args } in, { id, result } or { id, error } out.
import { Redis } from 'ioredis';
import pg from 'pg';
import { createTwoStep, definePolicy } from '../../dist/esm/index.js';
import { PostgresStore } from '../../dist/esm/postgres.js';
import { RedisStore } from '../../dist/esm/redis.js';

let now = 0;
let engine;
let close = async () => {};
const sent = [];

function outcome(settled) {
  return settled.map((s) =>
    s.status === 'fulfilled'
      ? { value: s.value }
      : { error: s.reason?.code ?? String(s.reason?.message ?? s.reason) },
  );
}

const ops = {
  async init({ kind, url, table, prefix, codeKey, at, policy }) {
    await close(); // a new setup replaces the previous one
    now = at;
    let store;
    if (kind === 'postgres') {
      const pool = new pg.Pool({ connectionString: url, max: 4 });
      pool.on('error', () => {});
      store = new PostgresStore(pool, { table });
      close = () => pool.end();
    } else {
      const redis = new Redis(url);
      redis.on('error', () => {});
      store = new RedisStore(redis, { prefix });
      close = async () => redis.disconnect();
    }
    engine = createTwoStep({
      store,
      codeKey,
      clock: () => now,
      policy: policy ? definePolicy(policy) : undefined,
      sender: (message) => {
        sent.push(message.code);
      },
    });
    return process.pid;
  },
  setTime({ at }) {
    now = at;
  },
  async verify({ userId, code, n }) {
    return outcome(await Promise.allSettled(Array.from({ length: n }, () => engine.verify(userId, code))));
  },
  async begin({ userId, deviceId, n }) {
    const before = sent.length;
    const results = outcome(
      await Promise.allSettled(Array.from({ length: n }, () => engine.beginChallenge(userId, { deviceId }))),
    );
    return { results, codes: sent.slice(before) };
  },
  async status({ userId }) {
    return engine.status(userId);
  },
  async close() {
    await close();
    setImmediate(() => process.exit(0));
  },
};

process.on('message', async ({ id, op, ...args }) => {
  try {
    process.send({ id, result: await ops[op](args) });
  } catch (err) {
    process.send({ id, error: err?.code ?? String(err?.message ?? err) });
  }
});
