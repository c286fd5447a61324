/**
 * The `twosv` command: OTP codes, secrets, `otpauth://` URIs and QR codes from a terminal, in the spirit of
 * oathtool. Node only; not part of the library's entry point.
 * @module
 * @internal
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TwoSvError, type TwoSvErrorCode } from './errors.js';
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

/**
 * What a command prints. Standard output holds only the result (a line for people, or one JSON document with
 * `--json`), so that `$(twosv ...)` captures exactly that; warnings and notes go to standard error.
 */
class Output {
  readonly lines: string[] = [];
  readonly notes: string[] = [];
  /** The exit status: 0, or 1 for a code that is not valid. */
  status = 0;
  constructor(readonly json: boolean) {}
  print(text: string, value: unknown): void {
    this.lines.push(
      this.json ? JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) : text,
    );
  }
  /** A diagnostic for the person at the terminal, on standard error. */
  note(text: string): void {
    this.notes.push(text);
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
  time: {
    type: 'string',
    short: 't',
    help: 'the moment: Unix seconds (as date +%s prints), NNNms for milliseconds, or an ISO 8601 date (default now)',
  },
} as const;
const JSON_OPTION = { json: { type: 'boolean', help: 'print JSON for scripts' } } as const;

const INTEGER = /^-?\d+$/;

/** A number option; `undefined` when absent. The library validates its range. */
function numberFlag(flags: Flags, name: string): number | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !INTEGER.test(value)) throw new UsageError(`--${name} must be an integer`);
  return Number(value);
}

/** `--window N`, from 0 to 100. */
function windowFlag(flags: Flags): number | undefined {
  const window = numberFlag(flags, 'window');
  if (window !== undefined && (window < 0 || window > 100)) {
    throw new UsageError('--window must be from 0 to 100');
  }
  return window;
}

function counterFlag(flags: Flags): bigint {
  const value = flags.counter;
  if (value === undefined) throw new UsageError('--counter is required');
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw new UsageError('--counter must be an integer from 0 to 18446744073709551615');
  }
  return BigInt(value);
}

/** Times past this many Unix seconds (year 5138) are milliseconds typed without `ms`, not a real moment. */
const MAX_SECONDS = 1e11;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * `--time`: a bare number is Unix seconds, as `date +%s` prints and every other Unix tool reads it (and as
 * `--epoch` is); `NNNms` is milliseconds; anything else must be an ISO 8601 date, a date-time without a
 * zone being local time. Returns ms since the epoch, what the library takes.
 */
function parseTime(value: string): number {
  const number = /^(-?\d+)(s|ms)?$/.exec(value);
  if (number) {
    const [, digits, unit] = number;
    if (unit === 'ms') return Number(digits);
    const seconds = Number(digits);
    if (Math.abs(seconds) > MAX_SECONDS) {
      throw new UsageError(`--time is in Unix seconds; for milliseconds write ${digits}ms`);
    }
    return seconds * 1000;
  }
  const ms = ISO_8601.test(value) ? Date.parse(value.replace(' ', 'T')) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(
      '--time must be Unix seconds (1700000000), milliseconds (1700000000000ms) or an ISO 8601 date',
    );
  }
  return ms;
}

function timeFlag(flags: Flags): number {
  const value = flags.time;
  return value === undefined ? Date.now() : parseTime(String(value));
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
      const window = windowFlag(flags) ?? 0;
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
      const window = windowFlag(flags) ?? 0;
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
      const window = windowFlag(flags);
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
            ? `valid (step ${result.step}, ${stepsAway(result.delta)})`
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
      out.print(uri, { uri, warnings });
      // Diagnostics, not the result: `$(twosv uri ...)` must capture the URI alone.
      if (!out.json) for (const w of warnings) out.note(`warning: ${w.app}: ${w.problem}`);
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
        out.note(`wrote ${flags.output}`);
      } else {
        out.print(otpauthQrSvg(uri), null);
      }
    },
  },
};

/** Where a verified TOTP code sits from now, in words. */
function stepsAway(delta: number): string {
  if (delta === 0) return 'the current code';
  const steps = `${Math.abs(delta)} step${Math.abs(delta) === 1 ? '' : 's'}`;
  return delta < 0 ? `${steps} ago` : `${steps} ahead`;
}

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
    'Times are Unix seconds (as date +%s prints) or ISO 8601 dates. Exit status: 0 done, 1 a code that is',
    'not valid, 2 bad usage or input. Results go to stdout; warnings and errors to stderr.',
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
    '  -h, --help       show this help',
  ].join('\n');
}

/**
 * The library's errors in the command line's terms: its flags and arguments, not the library's parameter
 * names. `source` says where the settings came from: the command line, or the URI argument.
 */
function cliMessage(err: TwoSvError, source: 'flags' | 'uri'): string {
  const secret = source === 'uri' ? "the URI's secret" : 'the secret';
  const setting = (flag: string, param: string) => (source === 'uri' ? `the URI's ${param}` : flag);
  const text: Partial<Record<TwoSvErrorCode, string>> = {
    INVALID_SECRET: `${secret} is not base32 (letters A-Z and digits 2-7; spaces, dashes and = padding are fine)`,
    EMPTY_SECRET: `${secret} is empty`,
    MISSING_SECRET: 'the URI has no secret parameter',
    INVALID_DIGITS: `${setting('--digits', 'digits')} must be from 6 to 10`,
    INVALID_ALGORITHM: `${setting('--algorithm', 'algorithm')} must be SHA1, SHA256 or SHA512`,
    INVALID_PERIOD: `${setting('--period', 'period')} must be a positive number of seconds`,
    INVALID_EPOCH: '--epoch must be an integer number of Unix seconds',
    INVALID_COUNTER: `${setting('--counter', 'counter')} must be an integer from 0 to 18446744073709551615`,
    INVALID_WINDOW: '--window must be from 0 to 100',
    INVALID_LOOK_AHEAD: '--window must be from 0 to 100',
    INVALID_TIME: '--time must not be before --epoch (nor past the year 275760)',
    INVALID_SECRET_SIZE: '--bytes must be from 16 to 1024',
    INVALID_ACCOUNT:
      source === 'uri'
        ? "the URI's account name is empty or has a colon, control characters or surrounding spaces"
        : '--account must not be empty, have control characters or surrounding spaces, or a colon without --issuer',
    INVALID_ISSUER:
      source === 'uri'
        ? "the URI's issuer is empty or has a colon, control characters or surrounding spaces"
        : '--issuer must not be empty, have a colon, control characters or surrounding spaces',
    INVALID_URI: 'the URI must start with otpauth:// and have no line breaks, control characters or #',
    INVALID_URI_SCHEME: 'the URI must start with otpauth://',
    INVALID_OTP_TYPE: 'the URI must be otpauth://totp/... or otpauth://hotp/...',
    URI_TOO_LONG: 'the URI is longer than 2048 characters',
    QR_CAPACITY_EXCEEDED: 'the URI is too long for a QR code',
  };
  return text[err.code] ?? err.message;
}

/**
 * Reads the options of `command` from `args`. Node's strict mode would turn `--counter -1` into a
 * three-line "argument is ambiguous" message, so values are taken as given and checked here, each problem
 * a single line in the CLI's words.
 */
function parseOptions(command: Command, args: string[]): { flags: Flags; positionals: string[] } {
  const options = { ...command.options, help: { type: 'boolean', short: 'h', help: '' } } as const;
  const { values, positionals, tokens } = parseArgs({
    args,
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = Object.hasOwn(options, token.name)
      ? (options as Record<string, { type: string }>)[token.name]
      : undefined;
    if (spec === undefined) throw new UsageError(`unknown option ${token.rawName} (see --help)`);
    const flag = `--${token.name}`;
    if (seen.has(token.name)) throw new UsageError(`${flag} is given twice`);
    seen.add(token.name);
    if (spec.type === 'boolean') {
      if (token.inlineValue) throw new UsageError(`${flag} takes no value`);
      continue;
    }
    const value = token.value;
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    // A value taken from the next argument that looks like an option, not a number: a forgotten value.
    if (!token.inlineValue && value.startsWith('-') && !INTEGER.test(value)) {
      throw new UsageError(`${flag} needs a value (write ${flag}=${value} if that is the value)`);
    }
  }
  return { flags: values as Flags, positionals };
}

/**
 * Runs the command line `argv` (without `node` and the script) and returns what to print and the exit
 * status: 0 done, 1 a code that is not valid, 2 bad usage or input, 70 a bug. Never throws. `stdout` holds
 * only the result; help asked for goes there too, while warnings, errors and help after a usage error go to
 * `stderr`.
 */
export function runCli(argv: string[]): { stdout: string; stderr: string; status: number } {
  const [name, ...rest] = argv;
  if (name === undefined) return { stdout: '', stderr: helpText(), status: 2 };
  if (name === '--help' || name === '-h') return { stdout: helpText(), stderr: '', status: 0 };
  const lookup = (n: string) => (Object.hasOwn(COMMANDS, n) ? COMMANDS[n] : undefined);
  if (name === 'help') {
    // `twosv help` and `twosv help totp`, as git and npm read them.
    if (rest[0] === undefined) return { stdout: helpText(), stderr: '', status: 0 };
    const topic = lookup(rest[0]);
    if (topic) return { stdout: commandHelp(topic), stderr: '', status: 0 };
  }
  const command = lookup(name);
  if (command === undefined) {
    const what = name === 'help' ? rest[0] : name;
    return { stdout: '', stderr: `twosv: unknown command '${what}' (see twosv --help)`, status: 2 };
  }
  let out: Output | undefined;
  try {
    const { flags, positionals } = parseOptions(command, rest);
    if (flags.help) return { stdout: commandHelp(command), stderr: '', status: 0 };
    out = new Output(flags.json === true);
    command.run(positionals, flags, out);
    return { stdout: out.lines.join('\n'), stderr: out.notes.join('\n'), status: out.status };
  } catch (err) {
    const source = name === 'parse' || name === 'qr' ? 'uri' : 'flags';
    if (err instanceof TwoSvError) {
      return { stdout: '', stderr: `twosv ${name}: ${cliMessage(err, source)} (${err.code})`, status: 2 };
    }
    if (err instanceof UsageError) return { stdout: '', stderr: `twosv ${name}: ${err.message}`, status: 2 };
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      // The file system: `qr --output` into a missing folder, a secret read from a closed stdin.
      return { stdout: '', stderr: `twosv ${name}: ${(err as Error).message}`, status: 2 };
    }
    return { stdout: '', stderr: `twosv ${name}: unexpected error: ${(err as Error).message}`, status: 70 };
  }
}
