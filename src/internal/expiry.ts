/**
 * The `expiresAt` of a store write, checked once for every shipped adapter.
 * @module
 */
import { TwoSvError } from '../errors.js';
import type { PutOptions } from '../store.js';

/** `options.expiresAt` (ms since the epoch) or `undefined`; `INVALID_OPTION` unless it is finite. */
export function expiresAtOf(options: PutOptions | undefined): number | undefined {
  const expiresAt = options?.expiresAt;
  if (expiresAt !== undefined && !Number.isFinite(expiresAt)) {
    throw new TwoSvError('INVALID_OPTION', 'expiresAt must be a finite number of milliseconds');
  }
  return expiresAt;
}
