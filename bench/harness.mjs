// A small benchmark harness: every contender of a row runs in the same process, in interleaved rounds
// (shuffled order each round), each round a fixed time slice; the median ops/s across rounds is reported with
// its ratio to the first contender (twosv). Noisy machines make absolute numbers drift; ratios hold.

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 60);

function opsPerSecond(fn) {
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < SLICE_MS) {
    for (let i = 0; i < 64; i++) fn(i);
    ops += 64;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function shuffle(list) {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/**
 * Runs one row. `contenders` is a list of [name, fn]; the first is the reference for ratios.
 * Returns [{ name, ops, ratio }].
 */
export function row(title, contenders) {
  for (const [, fn] of contenders) for (let i = 0; i < 2000; i++) fn(i); // warm-up
  const samples = new Map(contenders.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of shuffle(contenders)) samples.get(name).push(opsPerSecond(fn));
  }
  const results = contenders.map(([name]) => ({ name, ops: median(samples.get(name)) }));
  const ours = results[0].ops;
  console.log(`\n${title}`);
  for (const r of results) {
    r.ratio = ours / r.ops;
    const ratio = r === results[0] ? '' : `   twosv is ${r.ratio.toFixed(2)}x`;
    console.log(`  ${r.name.padEnd(22)} ${(r.ops / 1000).toFixed(1).padStart(9)} k ops/s${ratio}`);
  }
  return results;
}

/** Prevents the optimiser from discarding results. */
export let sink = 0;
export function consume(value) {
  sink ^= typeof value === 'string' ? value.length : value ? 1 : 0;
}
