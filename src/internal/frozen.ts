// Records that MemoryStore checked as JSON data and deep-froze: nothing can change them afterwards, so the
// engine may validate one once and trust it at every later read of that very object. Only whole records are
// kept (one entry per put), never their parts: that is what made a set of every checked part too costly.

const deepFrozen = /* @__PURE__ */ new WeakSet<object>();

/** Notes that `record`, and everything inside it, is frozen JSON data. */
export function markDeepFrozen(record: object): void {
  deepFrozen.add(record);
}

/** Whether {@link markDeepFrozen} noted this very object. */
export function isDeepFrozen(value: unknown): boolean {
  return typeof value === 'object' && value !== null && deepFrozen.has(value);
}
