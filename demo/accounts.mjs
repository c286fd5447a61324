// The demo's own records: accounts, sessions and each account's notifications. (Remembered browsers are the
// engine's: rememberBrowser, useRememberToken.) All
// behind small async interfaces, so a database (PostgreSQL, PGlite) can replace the in-memory versions
// without touching the routes. The memory versions hand out copies, as a database would: a route that
// changes a record must save it.

const copy = (value) => (value === undefined ? undefined : structuredClone(value));

/**
 * An account's id, the key of its records and its engine user id: the name as typed, NFKC-normalized, trimmed
 * and lower-cased, so `Alice`, `ALICE` and `ａｌｉｃｅ` are one account (and one cannot be made beside another).
 * The name as first typed is kept for display.
 * @param {string} name
 */
export function accountId(name) {
  return String(name).normalize('NFKC').trim().toLowerCase();
}

/**
 * Accounts, keyed by {@link accountId}: the name as typed, a password hash, the user's language (for the
 * texts and calls that carry codes) and the notifications the app would e-mail or push. `create` is false when the id is taken.
 * @returns {{
 *   create(name: string, password: { salt: Buffer, hash: Buffer }, locale: string): Promise<boolean>,
 *   get(id: string): Promise<{ name: string, salt: Buffer, hash: Buffer, locale: string } | undefined>,
 *   locale(id: string): Promise<string | undefined>,
 *   setLocale(id: string, locale: string): Promise<void>,
 *   notify(id: string, event: object): Promise<void>,
 *   notifications(id: string): Promise<object[]>,
 * }}
 */
export function createMemoryAccounts() {
  /** @type {Map<string, { name: string, locale: string, password: { salt: Buffer, hash: Buffer }, inbox: object[] }>} */
  const accounts = new Map();
  return {
    async create(name, password, locale) {
      const id = accountId(name);
      if (accounts.has(id)) return false;
      accounts.set(id, { name, locale, password: copy(password), inbox: [] });
      return true;
    },
    async get(id) {
      const account = accounts.get(id);
      return (
        account && {
          name: account.name,
          locale: account.locale,
          salt: Buffer.from(account.password.salt),
          hash: Buffer.from(account.password.hash),
        }
      );
    },
    async locale(id) {
      return accounts.get(id)?.locale;
    },
    async setLocale(id, locale) {
      const account = accounts.get(id);
      if (account) account.locale = locale;
    },
    async notify(id, event) {
      const account = accounts.get(id);
      if (account) account.inbox = [...account.inbox, copy(event)].slice(-30);
    },
    async notifications(id) {
      return copy(accounts.get(id)?.inbox ?? []);
    },
  };
}

/**
 * Sessions: an id from the CSPRNG (made by the app) to a small record. `get` returns a copy; `set` stores
 * one.
 * @returns {{
 *   get(sid: string): Promise<object | undefined>,
 *   set(sid: string, data: object): Promise<void>,
 *   delete(sid: string): Promise<void>,
 * }}
 */
export function createMemorySessions() {
  const sessions = new Map();
  return {
    async get(sid) {
      return copy(sessions.get(sid));
    },
    async set(sid, data) {
      sessions.set(sid, copy(data));
    },
    async delete(sid) {
      sessions.delete(sid);
    },
  };
}
