// Debian's Chromium driven by playwright-core, started the way this machine allows: headless, no sandbox
// (root), no background networking (the network is closed); playwright gives each launch a fresh profile.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { canRun } from './skip.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether browser tests can run here. A missing browser is a failing test, unless TWOSV_ALLOW_SKIP allows
 * `browser` (never under CI): see ./skip.ts.
 */
export function hasBrowser(): boolean {
  return canRun('browser', existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (set CHROMIUM_PATH)`);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
