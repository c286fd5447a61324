/**
 * The engine's transactions (imperative): per-key serialisation in this process, store reads and writes
 * with their errors wrapped, the load–decide–conditional-write loop with retries, the activity log written
 * with the change it records, and events emitted only after the write.
 * @module
 */
import { TwoSvError } from '../errors.js';
import type { Policy } from '../policy.js';
import type { JsonValue, PutResult, Store, StoredEntry, Version } from '../store.js';
import { logActivity } from './activity.js';
import { CLOCK_TOLERANCE, clockSkewError, judgeClock } from './clock.js';
import { type ContextRec, type DestinationRecord, markValid, parseUser, type UserRecord } from './record.js';
import type { Step } from './step.js';
import type { EventBody, TwoStepEvent } from './types.js';

export interface Io {
  readonly retries: number;
  /** Runs calls for one key one after another in this process. */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** The clock, checked. @throws `INVALID_TIME`. */
  now(): number;
  /** @throws `STORE_FAILED`. */
  load(key: string): Promise<StoredEntry | null>;
  /** A conditional write: `false` when another writer came first. @throws `STORE_FAILED`. */
  save(
    key: string,
    record: UserRecord | DestinationRecord,
    version: Version | null,
    expiresAt?: number,
  ): Promise<boolean>;
  /**
   * Stores a user's record conditionally, naming its user and, unless `mark`, stamping it with `mono` and
   * clearing the skew mark (an agreeing clock wrote it). `false` on a conflict.
   * @throws `STORE_FAILED`, `STORE_CONTRACT`.
   */
  saveUser(
    userId: string,
    next: UserRecord,
    entry: StoredEntry | null,
    mono: number,
    mark?: boolean,
  ): Promise<boolean>;
  /** Reports events to the app's listener; its errors are swallowed. */
  emit(userId: string, at: number, events: readonly EventBody[] | undefined): void;
  /**
   * Load, decide, conditionally write (with the activity log entries of the step's events, and
   * `context`), retry on conflict; events after the write.
   */
  update<T>(
    userId: string,
    decide: (record: UserRecord | null, at: number, mono: number) => Step<T> | Promise<Step<T>>,
    context?: ContextRec,
  ): Promise<T>;
}

export const userKey = (userId: string): string => `user:${userId}`;

/** @throws `STORE_CONTRACT` when a successful put kept the version it was given. */
export function checkPut(put: PutResult, version: Version | null): boolean {
  if (!put.ok) return false;
  if (version !== null && (put.version === version || put.version === undefined)) {
    throw new TwoSvError(
      'STORE_CONTRACT',
      'the store reported a write without a new version; the result is not trusted',
    );
  }
  return true;
}

export function createIo(
  policy: Policy,
  store: Store,
  clock: () => number,
  retries: number,
  onEvent: ((event: TwoStepEvent) => void) | undefined,
): Io {
  const tails = new Map<string, Promise<void>>();

  /**
   * Across processes the conditional write decides; within one, serialising spares the calls the
   * conflicts (and keeps N racing guesses all counted).
   */
  function exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    // Plain promise chaining, no async frame: this wraps every call, sign-ins included. The tail settles
    // once `run` has, never rejects, and forgets itself unless a later call has queued behind it.
    const previous = tails.get(key);
    const run = previous ? previous.then(fn) : fn();
    const done = (): void => {
      if (tails.get(key) === tail) tails.delete(key);
    };
    const tail: Promise<void> = run.then(done, done);
    tails.set(key, tail);
    return run;
  }

  function now(): number {
    const t = clock();
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new TwoSvError('INVALID_TIME', 'clock must return a finite number of milliseconds');
    }
    return t;
  }

  async function load(key: string): Promise<StoredEntry | null> {
    try {
      return await store.get(key);
    } catch (cause) {
      throw new TwoSvError('STORE_FAILED', 'the store failed to read', { cause });
    }
  }

  async function save(
    key: string,
    record: UserRecord | DestinationRecord,
    version: Version | null,
    expiresAt?: number,
  ): Promise<boolean> {
    try {
      const put = await store.put(
        key,
        record as unknown as JsonValue,
        version,
        expiresAt === undefined ? undefined : { expiresAt },
      );
      return checkPut(put, version);
    } catch (cause) {
      if (cause instanceof TwoSvError) throw cause;
      throw new TwoSvError('STORE_FAILED', 'the store failed to write', { cause });
    }
  }

  function saveUser(
    userId: string,
    next: UserRecord,
    entry: StoredEntry | null,
    mono: number,
    mark = false,
  ): Promise<boolean> {
    next.user = userId;
    if (!mark) {
      next.seen = mono;
      if (next.skew !== undefined) delete next.skew;
    }
    return save(userKey(userId), next, entry ? entry.version : null);
  }

  function emit(userId: string, at: number, events: readonly EventBody[] | undefined): void {
    if (!onEvent || !events) return;
    for (const body of events) {
      try {
        const out = onEvent({ userId, at, ...body } as TwoStepEvent) as unknown;
        if (out instanceof Promise) out.catch(() => {});
      } catch {
        // A listener's failure must not turn a stored change into a reported failure.
      }
    }
  }

  function update<T>(
    userId: string,
    decide: (record: UserRecord | null, at: number, mono: number) => Step<T> | Promise<Step<T>>,
    context?: ContextRec,
  ): Promise<T> {
    const key = userKey(userId);
    return exclusive(key, async () => {
      for (let attempt = 0; attempt <= retries; attempt++) {
        // The hot path of every sign-in: store calls are awaited inline and a synchronous decision is not
        // awaited, which saves a few microtask hops per call (measured in bench/enrollment.mjs).
        let entry: StoredEntry | null;
        try {
          entry = await store.get(key);
        } catch (cause) {
          throw new TwoSvError('STORE_FAILED', 'the store failed to read', { cause });
        }
        const record = entry ? parseUser(entry.record, userId) : null;
        const at = now();
        let mono = at;
        if (record && at < record.seen) {
          if (at < record.seen - CLOCK_TOLERANCE) {
            // Rare: clocks disagree. Refuse (marking the first such reading), or rebase and read again.
            const judged = judgeClock(policy, record, at);
            if ('skewed' in judged) {
              if (judged.mark && !(await saveUser(userId, judged.mark, entry, at, true))) continue;
              throw clockSkewError();
            }
            // A rebase is stored on its own, whatever the operation then decides (even a refusal).
            if (await saveUser(userId, judged.record!, entry, at)) attempt--; // not a conflict: read again
            continue;
          }
          mono = record.seen;
        }
        const decided = decide(record, at, mono);
        const step = decided instanceof Promise ? await decided : decided;
        if (!step.next) return step.result;
        // Inline rather than saveUser: the hot path of every sign-in (see above).
        const next = step.next;
        next.user = userId;
        next.seen = mono;
        if (next.skew !== undefined) delete next.skew;
        // The log entries come from the events reported below, and are stored in the same write.
        logActivity(policy, record, next, step.events, mono, context);
        let written: boolean;
        try {
          const put = await store.put(key, next as unknown as JsonValue, entry ? entry.version : null);
          written = checkPut(put, entry ? entry.version : null);
        } catch (cause) {
          if (cause instanceof TwoSvError) throw cause;
          throw new TwoSvError('STORE_FAILED', 'the store failed to write', { cause });
        }
        if (written) {
          markValid(step.next);
          emit(userId, mono, step.events);
          return step.result;
        }
      }
      throw new TwoSvError('STORE_CONFLICT', 'the record kept changing; nothing was stored');
    });
  }

  return { retries, exclusive, now, load, save, saveUser, emit, update };
}
