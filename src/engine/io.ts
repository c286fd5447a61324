/**
 * The engine's transactions (imperative): per-key serialisation in this process, store reads and writes
 * with their errors wrapped, the load–decide–conditional-write loop with retries, the activity log written
 * with the change it records, and events emitted only after the write.
 * @module
 */
import { TwoSvError } from '../errors.js';
import type { Policy } from '../policy.js';
import type { JsonValue, Store, StoredEntry, Version } from '../store.js';
import { logActivity } from './activity.js';
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

export function createIo(
  policy: Policy,
  store: Store,
  clock: () => number,
  retries: number,
  onEvent: ((event: TwoStepEvent) => void) | undefined,
): Io {
  const tails = new Map<string, Promise<void>>();
  const settled = (): void => {};

  /**
   * Across processes the conditional write decides; within one, serialising spares the calls the
   * conflicts (and keeps N racing guesses all counted).
   */
  function exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    // Plain promise chaining, no async frame: this wraps every call, sign-ins included.
    const previous = tails.get(key);
    const run = previous ? previous.then(fn) : fn();
    const tail = run.then(settled, settled);
    tails.set(key, tail);
    tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
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
      return put.ok;
    } catch (cause) {
      throw new TwoSvError('STORE_FAILED', 'the store failed to write', { cause });
    }
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
        const record = entry ? parseUser(entry.record) : null;
        const at = now();
        const mono = Math.max(at, record?.seen ?? at);
        const decided = decide(record, at, mono);
        const step = decided instanceof Promise ? await decided : decided;
        if (!step.next) return step.result;
        step.next.seen = mono;
        // The log entries come from the events reported below, and are stored in the same write.
        logActivity(policy, record, step.next, step.events, mono, context);
        let written: boolean;
        try {
          written = (await store.put(key, step.next as unknown as JsonValue, entry ? entry.version : null))
            .ok;
        } catch (cause) {
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

  return { retries, exclusive, now, load, save, emit, update };
}
