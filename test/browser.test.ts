// The built package in a real browser: dist/esm/index.js bundled for the browser by esbuild (as an app's bundler
// would; a `node:` import would fail the bundle), served on loopback, loaded as a module by Chromium, which
// then computes RFC 4226 / RFC 6238 vectors and a QR code with its own Web Crypto random source.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeBase32 } from '../src/index.js';
import { hasBrowser, launchBrowser } from './support/browser.js';
import { decodeQrSvg } from './support/qr.js';

const dist = new URL('../dist/esm/index.js', import.meta.url).pathname;

interface BrowserResult {
  hotp: string[];
  sha1: string[];
  sha256: string[];
  sha512: string[];
  verified: unknown;
  secret: string;
  drawn: number[][];
  secrets: string[];
  uri: string;
  parsed: unknown;
  svg: string;
  error: unknown;
}

const BROWSER_SCRIPT = `
import * as t from '/twosv.js';
const ascii = (s) => new TextEncoder().encode(s);
const seed20 = ascii('12345678901234567890');
const seed32 = ascii('12345678901234567890123456789012');
const seed64 = ascii('1234567890123456789012345678901234567890123456789012345678901234');
const times = [59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000];
const totp = (seed, algorithm) => times.map((s) => t.generateTotp(seed, { at: s * 1000, digits: 8, algorithm }));
// generateSecret must draw from the platform CSPRNG: record what crypto.getRandomValues returns meanwhile.
const drawn = [];
const getRandomValues = crypto.getRandomValues.bind(crypto);
crypto.getRandomValues = (array) => {
  const filled = getRandomValues(array);
  drawn.push(Array.from(filled));
  return filled;
};
const secret = t.generateSecret();
crypto.getRandomValues = getRandomValues;
const secrets = Array.from({ length: 200 }, () => t.generateSecret());
const uri = t.buildOtpauthUri({ type: 'totp', secret, account: 'alice@example.com', issuer: 'ACME 株式会社' });
let error;
try {
  t.generateHotp(seed20, 0, { digits: 5 });
} catch (err) {
  error = [err instanceof t.TwoSvError, err.code];
}
window.twosvResult = {
  hotp: Array.from({ length: 10 }, (_, c) => t.generateHotp(seed20, c)),
  sha1: totp(seed20, 'SHA1'),
  sha256: totp(seed32, 'SHA256'),
  sha512: totp(seed64, 'SHA512'),
  verified: t.verifyTotp('287082', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', { at: 89000 }),
  secret,
  drawn,
  secrets,
  uri,
  parsed: t.parseOtpauthUri(uri),
  svg: t.otpauthQrSvg(uri),
  error,
};
`;

describe.runIf(hasBrowser())('the built package in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [dist],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]!.text;
    const modules = readdirSync(dirname(dist), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.js'),
    );
    expect(modules.length).toBeGreaterThan(5);
    for (const file of modules) {
      expect(readFileSync(join(dirname(dist), file), 'utf8'), file).not.toMatch(/from ['"]node:/);
    }
    server = createServer((req, res) => {
      if (req.url === '/twosv.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>twosv</title>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  test('computes RFC vectors, secrets, URIs and QR codes', async () => {
    const page = await browser.newPage();
    await page.goto(origin);
    // Plain JavaScript, as a string: vitest would rewrite a dynamic import() inside a function.
    await page.addScriptTag({ type: 'module', content: BROWSER_SCRIPT });
    await page.waitForFunction(() => 'twosvResult' in window);
    const result = (await page.evaluate('window.twosvResult')) as BrowserResult;

    // RFC 4226 Appendix D
    expect(result.hotp).toEqual([
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ]);
    // RFC 6238 Appendix B
    expect(result.sha1).toEqual(['94287082', '07081804', '14050471', '89005924', '69279037', '65353130']);
    expect(result.sha256).toEqual(['46119246', '68084774', '67062674', '91819424', '90698825', '77737706']);
    expect(result.sha512).toEqual(['90693936', '25091201', '99943326', '93441116', '38618901', '47863826']);
    expect(result.verified).toEqual({ step: 1, delta: -1 });
    // The secret is the bytes crypto.getRandomValues gave, in base32.
    expect(result.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(result.drawn).toEqual([Array.from(decodeBase32(result.secret))]);
    // And secrets look random: all different, and the bits of 200 secrets (32000) are ones about half the
    // time (mean 16000, standard deviation 89; 5 deviations allowed), and so is every bit position of a byte.
    expect(new Set(result.secrets).size).toBe(200);
    const bytes = result.secrets.flatMap((s) => Array.from(decodeBase32(s)));
    expect(bytes).toHaveLength(4000);
    const ones = (value: number) => value.toString(2).replace(/0/g, '').length;
    expect(Math.abs(bytes.reduce((sum, byte) => sum + ones(byte), 0) - 16_000)).toBeLessThan(5 * 89);
    for (let bit = 0; bit < 8; bit++) {
      const set = bytes.filter((byte) => (byte >> bit) & 1).length; // mean 2000, deviation 32
      expect(Math.abs(set - 2000), `bit ${bit}`).toBeLessThan(5 * 32);
    }
    expect(result.parsed).toMatchObject({
      secret: result.secret,
      account: 'alice@example.com',
      issuer: 'ACME 株式会社',
    });
    expect(decodeQrSvg(result.svg)).toBe(result.uri);
    expect(result.error).toEqual([true, 'INVALID_DIGITS']);
  });
});
