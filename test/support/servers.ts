// Vitest global setup: a throwaway PostgreSQL and Redis server on loopback, each on a free port with its own
// data directory, stopped (and the directory removed) when the run ends. PostgreSQL refuses to run as root,
// so under root (CI) it runs as the `postgres` user. Without the binaries, outside CI, the PostgreSQL
// tests run on PGlite only and the Redis tests are skipped, loudly; with CI=true a missing server fails.
//
// Tests read `inject('postgres')` and `inject('redis')` (null when not running).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export interface PostgresServer {
  url: string;
  port: number;
  /** The data directory, for `pg_ctl restart`. */
  dir: string;
  /** The folder of the PostgreSQL binaries. */
  bin: string;
  /** Prefix for running the binaries: `['runuser', '-u', 'postgres', '--']` under root, else `[]`. */
  asUser: string[];
}

export interface RedisServer {
  url: string;
  port: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresServer | null;
    redis: RedisServer | null;
  }
}

const CI = process.env.CI === 'true';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

function which(command: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

async function waitFor(what: string, probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within ${ms} ms`);
}

export async function startPostgres(): Promise<{ server: PostgresServer; stop: () => void } | null> {
  const bin = postgresBin();
  if (!bin) return null;
  const root = process.getuid?.() === 0;
  const asUser = root ? ['runuser', '-u', 'postgres', '--'] : [];
  const dir = mkdtempSync(join(tmpdir(), 'twosv-pg-'));
  chmodSync(dir, 0o700);
  if (root) execFileSync('chown', ['postgres:postgres', dir]);
  const exec = (name: string, args: string[]) => {
    const [cmd, ...rest] = [...asUser, join(bin, name), ...args];
    // No pipes: a server started by pg_ctl would inherit them and keep this call waiting.
    return execFileSync(cmd as string, rest, { stdio: 'ignore' });
  };
  exec('initdb', ['-D', dir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  exec('pg_ctl', ['-D', dir, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = () => {
    try {
      exec('pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already stopped, or pg_ctl failed: kill the postmaster recorded in the data directory.
      try {
        const pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { server: { url, port, dir, bin, asUser }, stop };
}

async function startRedis(): Promise<{ server: RedisServer; stop: () => void } | null> {
  const command = which('redis-server');
  if (!command) return null;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'twosv-redis-'));
  const child: ChildProcess = spawn(
    command,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const { Redis } = await import('ioredis');
  await waitFor('redis-server', async () => {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  });
  const stop = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  return { server: { url: `redis://127.0.0.1:${port}`, port }, stop };
}

export default async function setup(project: TestProject): Promise<() => void> {
  const stops: (() => void)[] = [];
  const onExit = () => {
    for (const stop of stops.splice(0)) stop();
  };
  // Leftovers, should the run be interrupted.
  process.once('exit', onExit);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      onExit();
      process.exit(130);
    });
  }
  try {
    const postgres = await startPostgres();
    const redis = await startRedis();
    if (postgres) stops.push(postgres.stop);
    if (redis) stops.push(redis.stop);
    if (CI && (!postgres || !redis)) {
      throw new Error(`CI=true but ${postgres ? 'redis-server' : 'PostgreSQL'} is not installed`);
    }
    if (!postgres)
      console.warn('\n*** PostgreSQL is not installed: its store tests run on PGlite only ***\n');
    if (!redis) console.warn('\n*** redis-server is not installed: the Redis store tests are SKIPPED ***\n');
    project.provide('postgres', postgres?.server ?? null);
    project.provide('redis', redis?.server ?? null);
  } catch (err) {
    onExit();
    throw err;
  }
  return onExit;
}
