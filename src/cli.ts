/**
 * The `twosv` command: OTP codes, secrets, `otpauth://` URIs and QR codes from a terminal, in the spirit of
 * oathtool. Node only; not part of the library's entry point.
 * @module
 * @internal
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TwoSvError } from './errors.js';
import { generateHotp, verifyHotp } from './hotp.js';
import { otpauthQrMatrix, otpauthQrSvg } from './qr.js';
import { generateSecret } from './secret.js';
import { generateTotp, secondsRemaining, totpStep, verifyTotp } from './totp.js';
import { buildOtpauthUri, type OtpauthParams, otpauthCompatibility, parseOtpauthUri } from './uri.js';

type Flags = Record<string, string | boolean | undefined>;

interface Command {
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string; help: string }>;
  run(positionals: string[], flags: Flags, out: Output): void;
}

/** What a command prints: a line for people, or one JSON document with `--json`. */
class Output {
  readonly lines: string[] = [];
  /** The exit status: 0, or 1 for a code that is not valid. */
  status = 0;
  constructor(readonly json: boolean) {}
  print(text: string, value: unknown): void {
    this.lines.push(
      this.json ? JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) : text,
    );
  }
}

class UsageError extends Error {}

const CODE_OPTIONS = {
  algorithm: { type: 'string', short: 'a', help: 'SHA1 (default), SHA256 or SHA512' },
  digits: { type: 'string', short: 'd', help: 'code length, 6 (default) to 10' },
} as const;
const TOTP_OPTIONS = {
  ...CODE_OPTIONS,
  period: { type: 'string', short: 'p', help: 'time step in seconds (default 30)' },
  epoch: { type: 'string', help: 'T0 in Unix seconds (default 0)' },
  time: { type: 'string', short: 't', help: 'the moment: ISO 8601 date or ms since the epoch (default now)' },
} as const;
const JSON_OPTION = { json: { type: 'boolean', help: 'print JSON for scripts' } } as const;

/** A number option; `undefined` when absent. The library validates its range. */
function numberFlag(flags: Flags, name: string): number | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value))
    throw new UsageError(`--${name} must be an integer`);
  return Number(value);
}

function counterFlag(flags: Flags): bigint {
  const value = flags.counter;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw new UsageError('--counter is required and must be a non-negative integer');
  }
  return BigInt(value);
}

function timeFlag(flags: Flags): number {
  const value = flags.time;
  if (value === undefined) return Date.now();
  const ms = /^-?\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
  if (!Number.isFinite(ms))
    throw new UsageError('--time must be an ISO 8601 date or milliseconds since the epoch');
  return ms;
}

function codeOptions(flags: Flags) {
  const options: {
    algorithm?: 'SHA1' | 'SHA256' | 'SHA512';
    digits?: number;
    period?: number;
    epoch?: number;
  } = {};
  if (flags.algorithm !== undefined) options.algorithm = String(flags.algorithm).toUpperCase() as 'SHA1';
  const digits = numberFlag(flags, 'digits');
  if (digits !== undefined) options.digits = digits;
  const period = numberFlag(flags, 'period');
  if (period !== undefined) options.period = period;
  const epoch = numberFlag(flags, 'epoch');
  if (epoch !== undefined) options.epoch = epoch;
  return options;
}

/** The secret argument; `-` reads it from standard input, so it stays out of the shell history. */
function secretArgument(positionals: string[], index: number): string {
  const value = positionals[index];
  if (value === undefined) throw new UsageError('the secret is missing (base32, or - to read it from stdin)');
  return value === '-' ? readFileSync(0, 'utf8').trim() : value;
}

const COMMANDS: Record<string, Command> = {
  totp: {
    summary: 'print the TOTP code of a secret now (or at --time)',
    usage: 'twosv totp <secret|-> [--time T] [--window N] [--algorithm A] [--digits D] [--period P] [--json]',
    options: {
      ...TOTP_OPTIONS,
      window: { type: 'string', short: 'w', help: 'also list the codes N steps before and after' },
      ...JSON_OPTION,
    },
    run(positionals, flags, out) {
      const secret = secretArgument(positionals, 0);
      const at = timeFlag(flags);
      const options = codeOptions(flags);
      const window = numberFlag(flags, 'window') ?? 0;
      if (window < 0 || window > 100) throw new UsageError('--window must be from 0 to 100');
      const step = totpStep(at, options);
      const period = options.period ?? 30;
      const codes = [];
      for (let delta = -window; delta <= window; delta++) {
        if (step + delta < 0) continue;
        codes.push({
          delta,
          step: step + delta,
          code: generateTotp(secret, { ...options, at: at + delta * period * 1000 }),
        });
      }
      const remaining = secondsRemaining(at, options);
      if (out.json) out.print('', { codes, secondsRemaining: remaining });
      else if (window === 0) out.print(codes[0]?.code ?? '', null);
      else
        for (const c of codes) out.print(`${c.delta > 0 ? '+' : ''}${c.delta}\t${c.step}\t${c.code}`, null);
    },
  },
  hotp: {
    summary: 'print the HOTP code of a secret at a counter',
    usage: 'twosv hotp <secret|-> --counter C [--window N] [--algorithm A] [--digits D] [--json]',
    options: {
      ...CODE_OPTIONS,
      counter: { type: 'string', short: 'c', help: 'the counter (required)' },
      window: { type: 'string', short: 'w', help: 'also list the next N counters' },
      ...JSON_OPTION,
    },
    run(positionals, flags, out) {
      const secret = secretArgument(positionals, 0);
      const counter = counterFlag(flags);
      const window = numberFlag(flags, 'window') ?? 0;
      if (window < 0 || window > 100) throw new UsageError('--window must be from 0 to 100');
      const codes = [];
      for (let i = 0n; i <= BigInt(window); i++) {
        codes.push({ counter: counter + i, code: generateHotp(secret, counter + i, codeOptions(flags)) });
      }
      if (out.json) out.print('', { codes });
      else if (window === 0) out.print(codes[0]?.code ?? '', null);
      else for (const c of codes) out.print(`${c.counter}\t${c.code}`, null);
    },
  },
  verify: {
    summary: 'check a code (exit status 0 when valid, 1 when not)',
    usage:
      'twosv verify <code> <secret|-> [--window N] [--counter C (HOTP)] [--time T] [--algorithm A] [--digits D] [--json]',
    options: {
      ...TOTP_OPTIONS,
      window: {
        type: 'string',
        short: 'w',
        help: 'TOTP: steps on each side (default 1); HOTP: look-ahead (default 0)',
      },
      counter: { type: 'string', short: 'c', help: 'verify a HOTP code from this counter' },
      ...JSON_OPTION,
    },
    run(positionals, flags, out) {
      const token = positionals[0];
      if (token === undefined) throw new UsageError('the code to verify is missing');
      const secret = secretArgument(positionals, 1);
      const window = numberFlag(flags, 'window');
      let result: { step: number; delta: number } | { counter: bigint } | null;
      if (flags.counter !== undefined) {
        const { algorithm, digits } = codeOptions(flags);
        result = verifyHotp(token, secret, counterFlag(flags), {
          ...(algorithm && { algorithm }),
          ...(digits !== undefined && { digits }),
          ...(window !== undefined && { lookAhead: window }),
        });
      } else {
        result = verifyTotp(token, secret, {
          ...codeOptions(flags),
          at: timeFlag(flags),
          ...(window !== undefined && { window }),
        });
      }
      const text =
        result === null
          ? 'not valid'
          : 'step' in result
            ? `valid (step ${result.step}, ${result.delta === 0 ? 'current' : `${result.delta} from now`})`
            : `valid (counter ${result.counter})`;
      out.print(text, { valid: result !== null, ...result });
      if (result === null) out.status = 1;
    },
  },
  secret: {
    summary: 'generate a new random secret (base32)',
    usage: 'twosv secret [--bytes N] [--json]',
    options: {
      bytes: { type: 'string', short: 'b', help: 'key length in bytes, 16 to 1024 (default 20)' },
      ...JSON_OPTION,
    },
    run(_positionals, flags, out) {
      const bytes = numberFlag(flags, 'bytes');
      const secret = generateSecret(bytes === undefined ? {} : { bytes });
      out.print(secret, { secret });
    },
  },
  uri: {
    summary: 'build an otpauth:// URI',
    usage:
      'twosv uri <secret|-> --account NAME [--issuer NAME] [--counter C (HOTP)] [--algorithm A] [--digits D] [--period P] [--json]',
    options: {
      ...CODE_OPTIONS,
      account: { type: 'string', help: 'the account name (required), e.g. alice@example.com' },
      issuer: { type: 'string', help: 'the service name, e.g. "ACME Co"' },
      period: { type: 'string', short: 'p', help: 'TOTP step in seconds (default 30)' },
      counter: { type: 'string', short: 'c', help: 'make a HOTP URI starting at this counter' },
      ...JSON_OPTION,
    },
    run(positionals, flags, out) {
      const params = uriParams(positionals, flags);
      const uri = buildOtpauthUri(params);
      const warnings = otpauthCompatibility(params);
      out.print([uri, ...warnings.map((w) => `warning: ${w.app}: ${w.problem}`)].join('\n'), {
        uri,
        warnings,
      });
    },
  },
  parse: {
    summary: 'parse an otpauth:// URI and print its settings',
    usage: 'twosv parse <uri> [--json]',
    options: { ...JSON_OPTION },
    run(positionals, _flags, out) {
      const uri = positionals[0];
      if (uri === undefined) throw new UsageError('the URI is missing');
      const params = parseOtpauthUri(uri);
      const text = Object.entries(params)
        .map(([key, value]) => `${key}: ${String(value)}`)
        .join('\n');
      out.print(text, params);
    },
  },
  qr: {
    summary: 'draw the QR code of an otpauth:// URI: SVG to a file or stdout, or blocks in the terminal',
    usage: 'twosv qr <uri> [--output FILE.svg] [--terminal]',
    options: {
      output: { type: 'string', short: 'o', help: 'write the SVG to this file instead of stdout' },
      terminal: { type: 'boolean', help: 'draw the QR code in the terminal, for a quick scan' },
    },
    run(positionals, flags, out) {
      const uri = positionals[0];
      if (uri === undefined) throw new UsageError('the URI is missing');
      if (flags.terminal) {
        out.print(terminalQr(otpauthQrMatrix(uri)), null);
      } else if (typeof flags.output === 'string') {
        writeFileSync(flags.output, otpauthQrSvg(uri));
        out.print(`wrote ${flags.output}`, null);
      } else {
        out.print(otpauthQrSvg(uri), null);
      }
    },
  },
};

function uriParams(positionals: string[], flags: Flags): OtpauthParams {
  if (typeof flags.account !== 'string') throw new UsageError('--account is required');
  const { algorithm, digits, period } = codeOptions(flags);
  const params: OtpauthParams = {
    type: flags.counter === undefined ? 'totp' : 'hotp',
    secret: secretArgument(positionals, 0),
    account: flags.account,
    ...(typeof flags.issuer === 'string' && { issuer: flags.issuer }),
    ...(algorithm && { algorithm }),
    ...(digits !== undefined && { digits }),
    ...(period !== undefined && { period }),
  };
  if (flags.counter !== undefined) params.counter = counterFlag(flags);
  return params;
}

/**
 * Draws a QR module matrix with Unicode half blocks, two rows per line, dark modules as spaces on a light
 * quiet zone: scanners need light around the code whatever the terminal's colours, so both are explicit.
 */
export function terminalQr(matrix: boolean[][], margin = 2): string {
  const size = matrix.length;
  const dark = (row: number, col: number) =>
    row >= 0 && row < size && col >= 0 && col < size && (matrix[row]?.[col] ?? false);
  const lines: string[] = [];
  for (let row = -margin; row < size + margin; row += 2) {
    let line = '\x1b[30;47m'; // black on white
    for (let col = -margin; col < size + margin; col++) {
      const top = dark(row, col);
      const bottom = dark(row + 1, col);
      line += top ? (bottom ? '█' : '▀') : bottom ? '▄' : ' ';
    }
    lines.push(`${line}\x1b[0m`);
  }
  return lines.join('\n');
}

function helpText(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'twosv: one-time codes (RFC 4226 HOTP, RFC 6238 TOTP), secrets, otpauth:// URIs and QR codes',
    '',
    'usage: twosv <command> [arguments] [options]',
    '',
    'commands:',
    ...names.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name]?.summary}`),
    '',
    "Run 'twosv <command> --help' for a command's options. A secret given as - is read from stdin.",
  ].join('\n');
}

function commandHelp(command: Command): string {
  const entries = Object.entries(command.options);
  return [
    command.summary,
    '',
    `usage: ${command.usage}`,
    '',
    'options:',
    ...entries.map(([name, o]) => `  ${o.short ? `-${o.short}, ` : '    '}--${name.padEnd(10)} ${o.help}`),
    '      --help       show this help',
  ].join('\n');
}

/**
 * Runs the command line `argv` (without `node` and the script) and returns what to print and the exit
 * status: 0 done, 1 a code that is not valid, 2 bad usage or input, 70 a bug. Never throws.
 */
export function runCli(argv: string[]): { stdout: string; stderr: string; status: number } {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    return { stdout: helpText(), stderr: '', status: name === undefined ? 2 : 0 };
  }
  const command = COMMANDS[name];
  if (command === undefined || !Object.hasOwn(COMMANDS, name)) {
    return { stdout: '', stderr: `twosv: unknown command '${name}' (try twosv --help)`, status: 2 };
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    const flags = values as Flags;
    if (flags.help) return { stdout: commandHelp(command), stderr: '', status: 0 };
    const out = new Output(flags.json === true);
    command.run(positionals, flags, out);
    return { stdout: out.lines.join('\n'), stderr: '', status: out.status };
  } catch (err) {
    if (err instanceof TwoSvError)
      return { stdout: '', stderr: `twosv ${name}: ${err.message} (${err.code})`, status: 2 };
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      return { stdout: '', stderr: `twosv ${name}: ${(err as Error).message}`, status: 2 };
    }
    return { stdout: '', stderr: `twosv ${name}: unexpected error: ${(err as Error).message}`, status: 70 };
  }
}
