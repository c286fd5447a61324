/**
 * Validation of the options shared by HOTP and TOTP. Each check throws a {@link TwoSvError} that names the
 * option and never its value when the value could be secret.
 * @module
 */
import { TwoSvError } from '../errors.js';
import type { Algorithm } from '../types.js';

const MAX_U64 = 0xffff_ffff_ffff_ffffn;

/**
 * An option's value, or its default when it is absent. Only `undefined` means absent: `null` and other
 * values go on to validation and are refused there, never silently replaced by the default.
 */
export function option<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/** Refuses an options argument that is neither `undefined` nor an object. */
export function checkOptions(options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TwoSvError('INVALID_OPTION', 'options must be an object');
  }
}

export function checkDigits(digits: unknown): number {
  if (!Number.isInteger(digits) || (digits as number) < 6 || (digits as number) > 10) {
    throw new TwoSvError('INVALID_DIGITS', 'digits must be an integer from 6 to 10');
  }
  return digits as number;
}

export function checkAlgorithm(algorithm: unknown): Algorithm {
  if (algorithm !== 'SHA1' && algorithm !== 'SHA256' && algorithm !== 'SHA512') {
    throw new TwoSvError('INVALID_ALGORITHM', "algorithm must be 'SHA1', 'SHA256' or 'SHA512'");
  }
  return algorithm;
}

export function checkPeriod(period: unknown): number {
  if (!Number.isSafeInteger(period) || (period as number) < 1) {
    throw new TwoSvError('INVALID_PERIOD', 'period must be a positive integer (seconds)');
  }
  return period as number;
}

export function checkEpoch(epoch: unknown): number {
  if (!Number.isSafeInteger(epoch)) {
    throw new TwoSvError('INVALID_EPOCH', 'epoch must be an integer (seconds)');
  }
  return epoch as number;
}

/** A count of extra steps (`window`, `lookAhead`): an integer from 0 to 100. */
export function checkSpan(
  value: unknown,
  code: 'INVALID_WINDOW' | 'INVALID_LOOK_AHEAD',
  name: string,
): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 100) {
    throw new TwoSvError(code, `${name} must be an integer from 0 to 100`);
  }
  return value as number;
}

/** The largest distance from the Unix epoch a `Date` can hold, in ms (ECMA-262 §21.4.1.1). */
const MAX_TIME = 8.64e15;

/**
 * Milliseconds since the epoch from a number or a `Date` (of any realm); `undefined` means now. Times a
 * `Date` cannot hold are refused: past them, time steps are no longer exact integers.
 */
export function checkTime(at: unknown): number {
  if (at === undefined) return Date.now();
  const ms = Object.prototype.toString.call(at) === '[object Date]' ? Date.prototype.getTime.call(at) : at;
  if (typeof ms !== 'number' || !(Math.abs(ms) <= MAX_TIME)) {
    throw new TwoSvError('INVALID_TIME', 'at must be a valid Date or a number of ms within its range');
  }
  return ms;
}

/** Splits a 64-bit counter into its upper and lower 32-bit words. */
export function checkCounter(counter: unknown): [high: number, low: number] {
  if (typeof counter === 'bigint') {
    if (counter < 0n || counter > MAX_U64) {
      throw new TwoSvError('INVALID_COUNTER', 'counter must be an integer from 0 to 2^64 - 1');
    }
    return [Number(counter >> 32n), Number(counter & 0xffff_ffffn)];
  }
  if (!Number.isSafeInteger(counter) || (counter as number) < 0) {
    throw new TwoSvError(
      'INVALID_COUNTER',
      'counter must be a non-negative safe integer, or a bigint below 2^64',
    );
  }
  return [Math.floor((counter as number) / 0x1_0000_0000), (counter as number) >>> 0];
}
