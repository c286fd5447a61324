// Only under StrykerJS (vitest.config.ts aliases `fast-check` here when TWOSV_MUTATION=1): the same fast-check
// with every property capped at MUTATION_RUNS runs, so that each of hundreds of mutants takes seconds. The
// normal suite never loads this file and runs the full counts.
import * as real from '../../node_modules/fast-check/lib/fast-check.js';

const cap = Number(process.env.TWOSV_MUTATION_RUNS ?? 50);
type Assert = typeof real.assert;
const assert = ((property: Parameters<Assert>[0], params?: Parameters<Assert>[1]) =>
  real.assert(property as never, { ...params, numRuns: Math.min(params?.numRuns ?? 100, cap) })) as Assert;

export default { ...real.default, assert };
