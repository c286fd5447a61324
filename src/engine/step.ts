/**
 * What every decision returns (the result, the next record if anything changes, the events to report
 * after the write) and the fixed inputs every decision reads (the policy, the TOTP parameters, the keyed
 * code hash).
 * @module
 */
import type { Algorithm } from '../hotp.js';
import type { Policy } from '../policy.js';
import type { CodeHasher } from './codes.js';
import type { UserRecord } from './record.js';
import type { EventBody } from './types.js';

/** A decision: `next` absent means nothing is written. */
export interface Step<T> {
  result: T;
  next?: UserRecord;
  events?: EventBody[];
}

/** The engine's fixed inputs, built once by `createTwoStep`. */
export interface Rules {
  readonly policy: Policy;
  readonly totp: {
    readonly algorithm: Algorithm;
    readonly digits: number;
    readonly period: number;
    readonly window: number;
  };
  readonly codeHash: CodeHasher;
}
