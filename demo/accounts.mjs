// The demo's own records: accounts, sessions, remembered browsers and each account's notifications. All
// behind small async interfaces, so a database (PostgreSQL, PGlite) can replace the in-memory versions
// without touching the routes. The memory versions hand out copies, as a database would: a route that
// changes a record must save it.

const copy = (value) => (value === undefined ? undefined : structuredClone(value));

/**
 * Accounts: a user name with a password hash, remembered browsers (hashes of their tokens) and the
 * notifications the app would e-mail or push.
 * @returns {{
 *   create(username: string, password: { salt: Buffer, hash: Buffer }): Promise<boolean>,
 *   get(username: string): Promise<{ salt: Buffer, hash: Buffer } | undefined>,
 *   rememberBrowser(username: string, tokenHash: string, until: number): Promise<void>,
 *   isRemembered(username: string, tokenHash: string, now: number): Promise<boolean>,
 *   forgetBrowsers(username: string): Promise<void>,
 *   notify(username: string, event: object): Promise<void>,
 *   notifications(username: string): Promise<object[]>,
 * }}
 */
export function createMemoryAccounts() {
  /** @type {Map<string, { password: { salt: Buffer, hash: Buffer }, browsers: Map<string, number>, inbox: object[] }>} */
  const accounts = new Map();
  return {
    async create(username, password) {
      if (accounts.has(username)) return false;
      accounts.set(username, { password: copy(password), browsers: new Map(), inbox: [] });
      return true;
    },
    async get(username) {
      const account = accounts.get(username);
      return (
        account && { salt: Buffer.from(account.password.salt), hash: Buffer.from(account.password.hash) }
      );
    },
    async rememberBrowser(username, tokenHash, until) {
      accounts.get(username)?.browsers.set(tokenHash, until);
    },
    async isRemembered(username, tokenHash, now) {
      const until = accounts.get(username)?.browsers.get(tokenHash);
      return until !== undefined && now < until;
    },
    async forgetBrowsers(username) {
      accounts.get(username)?.browsers.clear();
    },
    async notify(username, event) {
      const account = accounts.get(username);
      if (account) account.inbox = [...account.inbox, copy(event)].slice(-30);
    },
    async notifications(username) {
      return copy(accounts.get(username)?.inbox ?? []);
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
