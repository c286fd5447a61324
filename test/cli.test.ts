// The `twosv` command, run as users run it: the built dist/cli.js in a child process.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { describe, expect, test } from 'vitest';
import { decodeBase32 } from '../src/index.js';
import { decodeQrPixels, decodeQrSvg as decodeSvg } from './support/qr.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // ASCII '12345678901234567890'

function run(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [cli, ...args], { input: input ?? '', encoding: 'utf8' });
  return { stdout: result.stdout.trimEnd(), stderr: result.stderr.trimEnd(), status: result.status };
}

/** Turns the half-block drawing back into pixels (a light cell is white) and decodes it. */
function decodeTerminal(text: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
  const rows = text.split('\n').map((line) => [...line.replace(/\x1b\[[\d;]*m/g, '')]);
  const width = rows[0]!.length;
  const scale = 8;
  const pixels = new Uint8ClampedArray(width * scale * rows.length * 2 * scale * 4);
  rows.forEach((cells, line) => {
    cells.forEach((cell, col) => {
      const halves = [cell === '█' || cell === '▀', cell === '█' || cell === '▄'];
      halves.forEach((dark, half) => {
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const y = (line * 2 + half) * scale + dy;
            const i = (y * width * scale + col * scale + dx) * 4;
            pixels.fill(dark ? 0 : 255, i, i + 3);
            pixels[i + 3] = 255;
          }
        }
      });
    });
  });
  return decodeQrPixels(pixels, width * scale, rows.length * 2 * scale);
}

describe('codes', () => {
  test('totp prints the RFC 6238 code at a given time, in Unix seconds, NNNms or ISO 8601', () => {
    // RFC 6238 Appendix B: T = 59 s and T = 1111111109 s (2005-03-18T01:58:29Z).
    expect(run(['totp', RFC_SECRET, '--time', '59', '--digits', '8'])).toEqual({
      stdout: '94287082',
      stderr: '',
      status: 0,
    });
    expect(run(['totp', RFC_SECRET, '-t', '1111111109', '-d', '8']).stdout).toBe('07081804');
    expect(run(['totp', RFC_SECRET, '-t', '1111111109s', '-d', '8']).stdout).toBe('07081804');
    expect(run(['totp', RFC_SECRET, '-t', '1111111109000ms', '-d', '8']).stdout).toBe('07081804');
    expect(run(['totp', RFC_SECRET, '-t', '2005-03-18T01:58:29Z', '-d', '8']).stdout).toBe('07081804');
    expect(run(['totp', RFC_SECRET, '-t', '2005-03-18T03:58:29+02:00', '-d', '8']).stdout).toBe('07081804');
  });

  test('a bare --time is Unix seconds, as date +%s prints it, like otpauth at that moment', () => {
    const expected = OTPAuth.TOTP.generate({
      secret: OTPAuth.Secret.fromBase32(RFC_SECRET),
      timestamp: 1_700_000_000_000,
    });
    expect(run(['totp', RFC_SECRET, '--time', '1700000000']).stdout).toBe(expected);
    // Milliseconds typed without the suffix would be a moment in the year 55000: refused, with the fix.
    expect(run(['totp', RFC_SECRET, '--time', '1700000000000'])).toEqual({
      stdout: '',
      stderr: 'twosv totp: --time is in Unix seconds; for milliseconds write 1700000000000ms',
      status: 2,
    });
    expect(run(['verify', expected, RFC_SECRET, '--time', '1700000000']).status).toBe(0);
  });

  test('totp reads the secret from stdin with -', () => {
    expect(run(['totp', '-', '--time', '59', '--digits', '8'], `${RFC_SECRET}\n`).stdout).toBe('94287082');
  });

  test('totp --window lists the codes around now, with --json for scripts', () => {
    const listed = run(['totp', RFC_SECRET, '--time', '59', '--window', '1']);
    expect(listed.stdout.split('\n')).toEqual(['-1\t0\t755224', '0\t1\t287082', '+1\t2\t359152']);
    const json = JSON.parse(run(['totp', RFC_SECRET, '--time', '59', '--window', '1', '--json']).stdout);
    expect(json).toEqual({
      codes: [
        { delta: -1, step: 0, code: '755224' },
        { delta: 0, step: 1, code: '287082' },
        { delta: 1, step: 2, code: '359152' },
      ],
      secondsRemaining: 1,
    });
  });

  test('totp honours algorithm, digits and period like otpauth', () => {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const at = Date.UTC(2099, 0, 1);
    const expected = OTPAuth.TOTP.generate({
      secret: OTPAuth.Secret.fromBase32(secret),
      algorithm: 'SHA512',
      digits: 8,
      period: 60,
      timestamp: at,
    });
    expect(run(['totp', secret, '-a', 'sha512', '-d', '8', '-p', '60', '-t', `${at}ms`]).stdout).toBe(
      expected,
    );
  });

  test('hotp prints RFC 4226 codes, for 64-bit counters too', () => {
    expect(run(['hotp', RFC_SECRET, '--counter', '0']).stdout).toBe('755224');
    expect(run(['hotp', RFC_SECRET, '-c', '7', '--window', '2']).stdout.split('\n')).toEqual([
      '7\t162583',
      '8\t399871',
      '9\t520489',
    ]);
    // Counters past 2^32 and 2^53, up to 2^64 - 1, against RFC 4226 computed here with node:crypto: a CLI
    // that truncated the counter to 32 bits or to a double would print other codes.
    const rfcHotp = (counter: bigint) => {
      const message = Buffer.alloc(8);
      message.writeBigUInt64BE(counter);
      const mac = createHmac('sha1', Buffer.from(decodeBase32(RFC_SECRET)))
        .update(message)
        .digest();
      const offset = mac[19]! & 0xf;
      return String((mac.readUInt32BE(offset) & 0x7fff_ffff) % 1_000_000).padStart(6, '0');
    };
    expect(rfcHotp(0n)).toBe('755224'); // the oracle itself, on RFC 4226's table
    const big = 18446744073709551615n;
    expect(run(['hotp', RFC_SECRET, '-c', big.toString(), '--json']).stdout).toBe(
      JSON.stringify({ codes: [{ counter: big.toString(), code: rfcHotp(big) }] }),
    );
    expect(run(['hotp', RFC_SECRET, '-c', String(2n ** 53n + 1n)]).stdout).toBe(rfcHotp(2n ** 53n + 1n));
    expect(
      run(['hotp', RFC_SECRET, '-c', String(2n ** 32n - 1n), '--window', '2']).stdout.split('\n'),
    ).toEqual([2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n].map((c) => `${c}\t${rfcHotp(c)}`));
    // The codes differ from those of the counters a 32-bit truncation would use.
    expect(rfcHotp(big)).not.toBe(rfcHotp(2n ** 32n - 1n));
    expect(rfcHotp(2n ** 32n)).not.toBe(rfcHotp(0n));
  });

  test('verify exits 0 for a valid code and 1 for a wrong one', () => {
    expect(run(['verify', '287082', RFC_SECRET, '--time', '89'])).toEqual({
      stdout: 'valid (step 1, 1 step ago)',
      stderr: '',
      status: 0,
    });
    expect(run(['verify', '287082', RFC_SECRET, '--time', '59']).stdout).toBe(
      'valid (step 1, the current code)',
    );
    expect(run(['verify', '287082', RFC_SECRET, '--time', '29']).stdout).toBe('valid (step 1, 1 step ahead)');
    expect(run(['verify', '287082', RFC_SECRET, '--time', '89', '--window', '0'])).toMatchObject({
      stdout: 'not valid',
      status: 1,
    });
    expect(JSON.parse(run(['verify', '287082', RFC_SECRET, '-t', '59', '--json']).stdout)).toEqual({
      valid: true,
      step: 1,
      delta: 0,
    });
    expect(run(['verify', '969429', RFC_SECRET, '--counter', '1', '--window', '5']).stdout).toBe(
      'valid (counter 3)',
    );
    expect(run(['verify', '12 456', RFC_SECRET]).status).toBe(1);
  });

  test('secret generates a fresh 20-byte base32 secret, or the size asked', () => {
    const a = run(['secret']).stdout;
    const b = run(['secret']).stdout;
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(a).not.toBe(b);
    expect(decodeBase32(JSON.parse(run(['secret', '--bytes', '32', '--json']).stdout).secret)).toHaveLength(
      32,
    );
  });
});

describe('URIs and QR codes', () => {
  const uri = run([
    'uri',
    'JBSWY3DPEHPK3PXP',
    '--account',
    'alice@example.com',
    '--issuer',
    'ACME Co',
  ]).stdout;

  test('uri builds a URI that otpauth parses to the same settings', () => {
    const parsed = OTPAuth.URI.parse(uri);
    expect(parsed).toBeInstanceOf(OTPAuth.TOTP);
    expect(parsed.issuer).toBe('ACME Co');
    expect(parsed.label).toBe('alice@example.com');
    expect(parsed.secret.base32).toBe('JBSWY3DPEHPK3PXP');
  });

  test('uri warns about settings some apps ignore: on stderr, so stdout is the URI alone', () => {
    const out = run(['uri', 'JBSWY3DPEHPK3PXP', '--account', 'a', '--algorithm', 'SHA256', '--json']);
    const { warnings } = JSON.parse(out.stdout);
    expect(warnings.map((w: { app: string }) => w.app)).toContain('Google Authenticator');

    const plain = run(['uri', 'JBSWY3DPEHPK3PXP', '--account', 'a', '-d', '8']);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toBe('otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=8');
    expect(plain.stderr).toMatch(/^warning: Google Authenticator: .*digits=8/m);
    // What a shell does with `twosv qr "$(twosv uri S --account a -d 8)"`.
    const drawn = run(['qr', plain.stdout]);
    expect(drawn.status).toBe(0);
    expect(decodeSvg(drawn.stdout)).toBe(plain.stdout);
  });

  test('parse prints the settings of a URI', () => {
    expect(JSON.parse(run(['parse', uri, '--json']).stdout)).toEqual({
      type: 'totp',
      secret: 'JBSWY3DPEHPK3PXP',
      account: 'alice@example.com',
      issuer: 'ACME Co',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    });
  });

  test('qr writes an SVG that a QR decoder reads back as the URI', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'twosv-cli-')), 'code.svg');
    expect(run(['qr', uri, '--output', file])).toEqual({ stdout: '', stderr: `wrote ${file}`, status: 0 });
    expect(decodeSvg(readFileSync(file, 'utf8'))).toBe(uri);
    expect(decodeSvg(run(['qr', uri]).stdout)).toBe(uri);
  });

  test('qr --terminal draws a code a decoder reads back as the URI', () => {
    const drawing = run(['qr', uri, '--terminal']).stdout;
    expect(drawing).toContain('▀');
    expect(decodeTerminal(drawing)).toBe(uri);
  });
});

describe('errors and help', () => {
  test('bad input is one clear line on stderr, exit 2, never the secret', () => {
    const secret = 'JBSWY3DPEHPK3PXP';
    for (const [args, message] of [
      [['totp', secret, '--digits', '5'], /^twosv totp: --digits must be from 6 to 10 \(INVALID_DIGITS\)$/],
      [['totp', `${secret}!`], /^twosv totp: the secret is not base32 .* \(INVALID_SECRET\)$/],
      [['totp', secret, '--algorithm', 'MD5'], /\(INVALID_ALGORITHM\)$/],
      [['totp', secret, '--time', 'yesterday'], /^twosv totp: --time must be Unix seconds/],
      [
        ['totp', secret, '--time', '-5'],
        /^twosv totp: --time must not be before --epoch .*\(INVALID_TIME\)$/,
      ],
      [['totp', secret, '--window', '-1'], /^twosv totp: --window must be from 0 to 100$/],
      [['totp', secret, '-w', '101'], /^twosv totp: --window must be from 0 to 100$/],
      [['verify', '123456', secret, '-c', '0', '-w', '-1'], /^twosv verify: --window must be from 0 to 100$/],
      [['hotp', secret, '--counter', '-1'], /^twosv hotp: --counter must be an integer from 0 to \d+$/],
      [['hotp', secret, '-c', '-1'], /^twosv hotp: --counter must be an integer from 0 to \d+$/],
      [['hotp', secret, '--counter=-1'], /^twosv hotp: --counter must be an integer from 0 to \d+$/],
      [['hotp', secret, '-c'], /^twosv hotp: --counter needs a value$/],
      [['hotp', secret, '-c', '--json'], /^twosv hotp: --counter needs a value \(write --counter=--json/],
      [['totp', secret, '--digits', '-8'], /^twosv totp: --digits must be from 6 to 10 \(INVALID_DIGITS\)$/],
      [['totp', secret, '-d', '6', '-d', '8'], /^twosv totp: --digits is given twice$/],
      [['secret', '--json=yes'], /^twosv secret: --json takes no value$/],
      [['secret', '--bytes', '8'], /^twosv secret: --bytes must be from 16 to 1024 \(INVALID_SECRET_SIZE\)$/],
      [['uri', secret, '--account', 'a:b'], /^twosv uri: --account must not .* \(INVALID_ACCOUNT\)$/],
      [
        ['qr', 'otpauth://totp/a?secret=A1'],
        /^twosv qr: the URI's secret is not base32 .*\(INVALID_SECRET\)$/,
      ],
      [
        ['qr', 'otpauth://totp/a?secret=AB\nwarning: x'],
        /^twosv qr: the URI must .*line breaks.*\(INVALID_URI\)$/,
      ],
      [['totp'], /^twosv totp: the secret is missing/],
      [['hotp', secret], /^twosv hotp: --counter is required/],
      [['totp', secret, '--nope'], /^twosv totp: unknown option --nope \(see --help\)$/],
      [['parse', `otpauth://totp/a?secret=${secret}&secret=${secret}`], /\(DUPLICATE_PARAMETER\)$/],
      [['frobnicate'], /^twosv: unknown command 'frobnicate' \(see twosv --help\)$/],
      [['help', 'frobnicate'], /^twosv: unknown command 'frobnicate' \(see twosv --help\)$/],
    ] as const) {
      const result = run([...args]);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
      expect(result.stderr.split('\n')).toHaveLength(1);
      expect(result.stderr).not.toContain(secret);
      // The CLI's words: no Node parser prose, no library parameter names.
      expect(result.stderr).not.toMatch(/ambiguous|Uint8Array|lookAhead|\bat must/);
    }
  });

  test('a bad secret reads the same from every command that takes one', () => {
    const messages = [
      run(['totp', 'NOT BASE32!']),
      run(['hotp', 'NOT BASE32!', '-c', '0']),
      run(['verify', '123456', 'NOT BASE32!']),
      run(['uri', 'NOT BASE32!', '--account', 'a']),
      run(['totp', '-'], 'NOT BASE32!\n'),
    ].map((r) => r.stderr.replace(/^twosv \w+: /, ''));
    expect(new Set(messages)).toEqual(
      new Set([
        'the secret is not base32 (letters A-Z and digits 2-7; spaces, dashes and = padding are fine) (INVALID_SECRET)',
      ]),
    );
  });

  test('--help lists the commands, and each command has its own', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const name of ['totp', 'hotp', 'verify', 'secret', 'uri', 'parse', 'qr']) {
      expect(help.stdout).toContain(`  ${name} `);
      const own = run([name, '--help']);
      expect(own.status).toBe(0);
      expect(own.stdout).toContain(`usage: twosv ${name}`);
    }
    expect(run(['help', 'totp']).stdout).toBe(run(['totp', '--help']).stdout);
    // No command at all is a usage error: the help goes to stderr, stdout stays empty.
    expect(run([])).toEqual({ stdout: '', stderr: help.stdout, status: 2 });
  });
});
