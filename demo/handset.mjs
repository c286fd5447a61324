// The demo phone: a stand-in for real handsets, apart from the accounts. The engine's sender "delivers" a
// text or call here, to the full number, the way a carrier would deliver it to whoever holds that phone. It
// is not account data: the app never shows it on its own pages. What arrives is the text a real sender
// would send, in the user's language (twosv's `createMessages`). Each message remembers which account it
// was sent for, so the demo phone page shows a browser only the messages of the account signed in there
// (a public demo must not let anyone read codes by typing a number).
//
// REAL APP: there is no such thing; the sender calls an SMS or voice provider.

/**
 * @returns {{
 *   deliver(message: { userId: string, to: string, channel: string, code: string, purpose: string,
 *     text: string }, at: number): void,
 *   messages(number: string, userId: string): { channel: string, code: string, purpose: string, text: string,
 *     at: number }[],
 *   numbers(userId: string): string[],
 * }}
 */
export function createHandsets() {
  /** @type {Map<string, { userId: string, channel: string, code: string, purpose: string, text: string, at: number }[]>} */
  const phones = new Map();
  return {
    deliver({ userId, to, channel, code, purpose, text }, at) {
      phones.set(to, [...(phones.get(to) ?? []), { userId, channel, code, purpose, text, at }].slice(-20));
    },
    messages(number, userId) {
      return (phones.get(number) ?? [])
        .filter((m) => m.userId === userId)
        .map(({ userId: _, ...m }) => ({ ...m }));
    },
    numbers(userId) {
      return [...phones].filter(([, list]) => list.some((m) => m.userId === userId)).map(([to]) => to);
    },
  };
}
