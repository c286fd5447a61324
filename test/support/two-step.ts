// A test bench for the engine: an exact clock, deterministic randomness, a sender that records what it
// sends (and can be told to fail), and an event log.
import { expect } from 'vitest';
import { TwoSvError, type TwoSvErrorCode } from '../../src/errors.js';
import {
  type CodeMessage,
  createTwoStep,
  type TwoStep,
  type TwoStepEvent,
  type TwoStepOptions,
} from '../../src/index.js';
import type { Policy } from '../../src/policy.js';
import type { RandomSource } from '../../src/secret.js';
import { MemoryStore, type Store } from '../../src/store.js';
import { generateTotp } from '../../src/totp.js';

export const START = Date.UTC(2030, 0, 1, 12, 0, 0); // on a 30-second boundary
export const CODE_KEY = 'test-code-key-of-at-least-32-characters!';

/** xorshift32: a deterministic RandomSource, never for production. */
export function seededRandom(seed = 0x9e3779b9): RandomSource {
  let x = seed >>> 0 || 1;
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      bytes[i] = x & 0xff;
    }
    return bytes;
  };
}

export interface Bench {
  twoStep: TwoStep;
  store: Store;
  sent: CodeMessage[];
  events: TwoStepEvent[];
  /** Current time, ms. */
  now(): number;
  setTime(ms: number): void;
  advance(ms: number): void;
  /** The next n sender calls throw. */
  failSends(n?: number): void;
  /** How many times the sender was called (including failures). */
  senderCalls(): number;
  lastCode(): string;
  totp(secret: string, at?: number): string;
  eventTypes(): string[];
  clearEvents(): void;
  /**
   * The step-up proof the last successful `verify`, `useRecoveryCode` or 2SV-enabling `confirmEnrollment` of `userId`
   * returned through `b.twoStep`, as one sign-in session would keep it.
   */
  proof(userId: string): string | undefined;
}

export function makeBench(
  options: { policy?: Policy; store?: Store; seed?: number } & Partial<TwoStepOptions> = {},
): Bench {
  let time = START;
  const clock = () => time;
  const sent: CodeMessage[] = [];
  const events: TwoStepEvent[] = [];
  let failures = 0;
  let calls = 0;
  const store = options.store ?? new MemoryStore({ clock });
  const engine = createTwoStep({
    codeKey: CODE_KEY,
    clock,
    random: seededRandom(options.seed),
    issuer: 'ACME Co',
    sender: async (message) => {
      calls++;
      if (failures > 0) {
        failures--;
        throw new Error('gateway down');
      }
      sent.push(message);
    },
    onEvent: (event) => {
      events.push(event);
    },
    ...options,
    store,
  });
  const proofs = new Map<string, string>();
  const twoStep: TwoStep = {
    ...engine,
    async verify(userId, code, opts) {
      const result = await engine.verify(userId, code, opts);
      if (result.ok) proofs.set(userId, result.proof);
      return result;
    },
    async confirmEnrollment(userId, code, opts) {
      const result = await engine.confirmEnrollment(userId, code, opts);
      if (result.ok && result.proof !== undefined) proofs.set(userId, result.proof);
      return result;
    },
    async useRecoveryCode(userId, code, opts) {
      const result = await engine.useRecoveryCode(userId, code, opts);
      if (result.ok) proofs.set(userId, result.proof);
      return result;
    },
  };
  return {
    twoStep,
    store,
    sent,
    events,
    now: () => time,
    setTime: (ms) => {
      time = ms;
    },
    advance: (ms) => {
      time += ms;
    },
    failSends: (n = 1) => {
      failures = n;
    },
    senderCalls: () => calls,
    lastCode: () => {
      const last = sent.at(-1);
      if (!last) throw new Error('nothing sent');
      return last.code;
    },
    totp: (secret, at = time) => generateTotp(secret, { at }),
    eventTypes: () => events.map((e) => e.type),
    clearEvents: () => {
      events.length = 0;
    },
    proof: (userId) => proofs.get(userId),
  };
}

/** Asserts that `fn` rejects with a TwoSvError of `code`. */
export async function rejectsWith(fn: () => unknown, code: TwoSvErrorCode): Promise<TwoSvError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(TwoSvError);
  expect((caught as TwoSvError).code).toBe(code);
  return caught as TwoSvError;
}

/** The `TwoSvError` that `fn` rejects with, whatever its code (checked by the caller), or a failure. */
export async function caught(fn: () => Promise<unknown>): Promise<TwoSvError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TwoSvError);
    return err as TwoSvError;
  }
  throw new Error('expected a rejection');
}

export const PHONE_1 = '+12015550101';
export const PHONE_2 = '+12015550102';
export const PHONE_3 = '+12015550103';

/** Enrols and confirms an authenticator app; returns its secret and device id. */
export async function addAuthenticator(
  b: Bench,
  userId: string,
  extra: { role?: 'primary' | 'backup'; replaces?: string } = {},
): Promise<{ secret: string; id: string }> {
  const enrollment = await b.twoStep.enrollAuthenticator(userId, {
    account: `${userId}@example.com`,
    proof: b.proof(userId),
    ...extra,
  });
  const result = await b.twoStep.confirmEnrollment(userId, b.totp(enrollment.secret));
  expect(result.ok).toBe(true);
  return { secret: enrollment.secret, id: enrollment.id };
}

/** Enrols and confirms a phone; returns its device id. Advances the clock past the send cooldown first. */
export async function addPhone(
  b: Bench,
  userId: string,
  phone: string,
  kind: 'sms' | 'voice' = 'sms',
  extra: { role?: 'primary' | 'backup'; replaces?: string } = {},
): Promise<string> {
  b.advance(31_000);
  const begun = await b.twoStep.enrollPhone(userId, { phone, kind, proof: b.proof(userId), ...extra });
  if (!begun.ok) throw new Error(`send refused: ${begun.reason}`);
  const result = await b.twoStep.confirmEnrollment(userId, b.lastCode());
  expect(result.ok).toBe(true);
  return begun.enrollment.id;
}

/** A user with an authenticator primary and an SMS backup, 2SV on. */
export async function setUpUser(b: Bench, userId: string, phone = PHONE_1) {
  const app = await addAuthenticator(b, userId);
  const sms = await addPhone(b, userId, phone);
  return { secret: app.secret, appId: app.id, smsId: sms };
}

/** A raw copy of the user's stored record and version. */
export async function snapshot(store: Store, userId: string) {
  return store.get(`user:${userId}`);
}
