// Deleting a user's 2SV data (account deletion, a privacy request): through the engine, on the store's delete.
import { describe, expect, it } from 'vitest';
import { createTwoStep, MemoryStore, type Store } from '../src/index.js';
import { makeBench, rejectsWith, setUpUser } from './support/two-step.js';

describe('deleteUser', () => {
  it('removes the record: the user is simply off, the old secret and codes no longer work', async () => {
    const b = makeBench();
    const { secret } = await setUpUser(b, 'u');
    expect(await b.store.get('user:u')).not.toBeNull();
    expect(await b.twoStep.deleteUser('u')).toBe(true);
    expect(await b.store.get('user:u')).toBeNull();
    const status = await b.twoStep.status('u');
    expect(status).toMatchObject({ enabled: false, devices: [], setupStep: 'enroll-primary' });
    await rejectsWith(() => b.twoStep.beginChallenge('u'), 'UNKNOWN_USER');
    await rejectsWith(() => b.twoStep.verify('u', b.totp(secret)), 'UNKNOWN_USER');
    expect(await b.twoStep.activity('u')).toEqual({ entries: [], next: null });
    expect(await b.twoStep.deleteUser('u')).toBe(false); // nothing left to delete
  });

  it('leaves other users alone, and refuses bad ids', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    await setUpUser(b, 'v');
    await b.twoStep.deleteUser('u');
    expect((await b.twoStep.status('v')).enabled).toBe(true);
    await rejectsWith(() => b.twoStep.deleteUser(''), 'INVALID_USER_ID');
    await rejectsWith(() => b.twoStep.deleteUser('a\u0000b'), 'INVALID_USER_ID');
  });

  it('a store that fails to delete gives STORE_FAILED and keeps the record', async () => {
    const inner = new MemoryStore();
    const failing: Store = {
      get: (key) => inner.get(key),
      put: (key, record, expected, options) => inner.put(key, record, expected, options),
      delete: async () => {
        throw new Error('connection reset');
      },
    };
    const twoStep = createTwoStep({ store: failing, codeKey: 'k'.repeat(32) });
    await twoStep.enrollAuthenticator('u', { account: 'u' });
    await rejectsWith(() => twoStep.deleteUser('u'), 'STORE_FAILED');
    expect(await inner.get('user:u')).not.toBeNull();
  });
});
