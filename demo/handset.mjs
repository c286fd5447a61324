// The demo phone: a stand-in for real handsets, apart from the accounts. The engine's sender "delivers" a
// text or call here, to the full number, the way a carrier would deliver it to whoever holds that phone. It
// is not account data: the app never shows it on its own pages. What arrives is the text a real sender
// would send, in the user's language (twosv's `createMessages`).
//
// REAL APP: there is no such thing; the sender calls an SMS or voice provider.

/**
 * @returns {{
 *   deliver(message: { to: string, channel: string, code: string, purpose: string, text: string }, at: number): void,
 *   messages(number: string): { channel: string, code: string, purpose: string, text: string, at: number }[],
 * }}
 */
export function createHandsets() {
  /** @type {Map<string, object[]>} */
  const phones = new Map();
  return {
    deliver({ to, channel, code, purpose, text }, at) {
      phones.set(to, [...(phones.get(to) ?? []), { channel, code, purpose, text, at }].slice(-20));
    },
    messages(number) {
      return (phones.get(number) ?? []).map((m) => ({ ...m }));
    },
  };
}
