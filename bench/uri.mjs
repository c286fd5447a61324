// otpauth:// URI and QR benchmark (issue 4), against the built dist/ (run `npx tsup` first):
// - build and parse ops/s beside otpauth's URI.parse / toString;
// - QR: milliseconds per SVG and SVG bytes for a typical (~150-character) URI, beside qrcode-svg's own
//   svg(), `qrcode` (toString, type 'svg') and `qr` (paulmillr, encodeQR 'svg'), all at error correction M.
// Every contender runs in the same process, in interleaved rounds (shuffled order each round); medians
// are reported with ratios to twosv. Run alone with `node bench/uri.mjs`.
import * as OTPAuth from 'otpauth';
import encodeQR from 'qr';
import QRCodeLib from 'qrcode';
import QRCodeSvg from 'qrcode-svg';
import { buildOtpauthUri, otpauthQrSvg, parseOtpauthUri } from '../dist/esm/index.js';
import { consume, row } from './harness.mjs';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const params = {
  type: 'totp',
  secret: SECRET,
  issuer: 'ACME Corporation',
  account: 'alice.smith@example.com',
  algorithm: 'SHA256',
  digits: 8,
};
const typical = buildOtpauthUri(params);

// URIs of different shapes, so neither parser sees one string only.
const uris = [
  typical,
  buildOtpauthUri({ type: 'totp', secret: SECRET, issuer: 'GitHub', account: 'octocat' }),
  buildOtpauthUri({
    type: 'hotp',
    secret: SECRET,
    issuer: 'ACME Co',
    account: 'bob@example.com',
    counter: 42,
  }),
  'otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example',
  'otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30',
  buildOtpauthUri({ type: 'totp', secret: SECRET, issuer: '银行', account: '李雷@例子.中国', period: 60 }),
];
const paramList = uris.map((u) => parseOtpauthUri(u));
const otpList = uris.map((u) => OTPAuth.URI.parse(u));
const configList = paramList.map((p) => ({
  issuer: p.issuer ?? '',
  label: p.account,
  secret: p.secret,
  algorithm: p.algorithm,
  digits: p.digits,
  ...(p.type === 'totp' ? { period: p.period } : { counter: Number(p.counter) }),
}));
const pick = (i) => i % uris.length;

export async function runUri() {
  console.log(`\notpauth:// URIs (${uris.length} shapes, round-robin)`);
  const results = [];
  results.push(
    row('parse', [
      ['twosv', (i) => consume(parseOtpauthUri(uris[pick(i)]))],
      ['otpauth URI.parse', (i) => consume(OTPAuth.URI.parse(uris[pick(i)]))],
    ]),
  );
  results.push(
    row('build (validate params, write URI)', [
      ['twosv', (i) => consume(buildOtpauthUri(paramList[pick(i)]))],
      ['otpauth toString', (i) => consume(otpList[pick(i)].toString())],
      [
        'otpauth new + toString',
        (i) => {
          const c = configList[pick(i)];
          consume((c.counter === undefined ? new OTPAuth.TOTP(c) : new OTPAuth.HOTP(c)).toString());
        },
      ],
    ]),
  );
  results.push(await qrRows());
  return results;
}

// QR calls take milliseconds: time each call, interleave contenders call by call in shuffled rounds.
async function qrRows() {
  const contenders = [
    ['twosv otpauthQrSvg', () => otpauthQrSvg(typical)],
    ['qrcode-svg svg()', () => new QRCodeSvg({ content: typical, ecl: 'M' }).svg()],
    ['qrcode-svg svg(join)', () => new QRCodeSvg({ content: typical, ecl: 'M', join: true }).svg()],
    ['qrcode toString svg', () => QRCodeLib.toString(typical, { type: 'svg', errorCorrectionLevel: 'M' })],
    ['qr encodeQR svg', () => encodeQR(typical, 'svg', { ecc: 'medium' })],
    ['qrcode-svg matrix only', () => new QRCodeSvg({ content: typical, ecl: 'M' }).qrcode.modules],
  ];
  const bytes = new Map();
  for (const [name, fn] of contenders) {
    for (let i = 0; i < 30; i++) await fn(); // warm-up
    const out = await fn();
    bytes.set(name, typeof out === 'string' ? out.length : undefined);
  }
  const rounds = Number(process.env.BENCH_QR_ROUNDS ?? 15);
  const perRound = 20;
  const samples = new Map(contenders.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of [...contenders].sort(() => Math.random() - 0.5)) {
      const start = performance.now();
      for (let i = 0; i < perRound; i++) consume(await fn());
      samples.get(name).push((performance.now() - start) / perRound);
    }
  }
  console.log(
    `\nQR code of a ${typical.length}-character URI, error correction M (median ms per SVG, bytes)`,
  );
  const results = contenders.map(([name]) => {
    const sorted = samples.get(name).sort((a, b) => a - b);
    return { name, ms: sorted[Math.floor(sorted.length / 2)], bytes: bytes.get(name) };
  });
  const ours = results[0];
  for (const r of results) {
    const size = r.bytes === undefined ? '(matrix)' : `${(r.bytes / 1024).toFixed(1)} KB`;
    const ratio = r === ours ? '' : `   twosv takes ${(ours.ms / r.ms).toFixed(2)}x the time`;
    console.log(`  ${r.name.padEnd(24)} ${r.ms.toFixed(3).padStart(7)} ms  ${size.padStart(9)}${ratio}`);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`twosv URI/QR benchmark — node ${process.version}; typical URI: ${typical}`);
  await runUri();
}
