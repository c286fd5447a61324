/**
 * QR codes of `otpauth://` URIs as small standalone SVG documents.
 * @module
 */
import QRCode from 'qrcode-svg';
import { TwoSvError } from './errors.js';
import { checkOptions } from './internal/options.js';
import { buildOtpauthUri, type OtpauthParams, parseOtpauthUri } from './uri.js';

/** Options of {@link otpauthQrSvg}. */
export interface OtpauthQrOptions {
  /**
   * Width and height of the SVG in pixels, an integer from 1 to 10000. **(Optional)** Defaults to `256`, or
   * 4 px per module (quiet zone included) when that is more, so long URIs stay readable.
   */
  size?: number;
  /**
   * The quiet zone: white border in modules (QR "pixels"), an integer from 0 to 100. **(Optional)** Defaults
   * to `4`, the minimum ISO/IEC 18004 asks for; use 0 only when the page already leaves that much white.
   */
  margin?: number;
  /**
   * Error-correction level: the share of the code that may be damaged or unreadable, L ≈ 7 %, M ≈ 15 %,
   * Q ≈ 25 %, H ≈ 30 %. **(Optional)** Defaults to `'M'`: see {@link OTPAUTH_QR_DEFAULTS} for why.
   */
  errorCorrection?: 'L' | 'M' | 'Q' | 'H';
}

/**
 * Defaults of {@link OtpauthQrOptions}. The default `size` is a floor: a code wider than 64 modules (quiet
 * zone included) gets 4 px per module instead, since fewer pixels per module stop phone cameras reading it.
 *
 * Why error correction `'M'`: a QR code shown on a screen is not torn or dirty, so the levels that survive
 * damage (Q, H) buy little; what fails on screens is resolution, focus, glare and moiré, and those are
 * helped by bigger modules, i.e. fewer of them. Each level up makes the code denser: a typical 150-character
 * URI needs 45×45 modules at L, 53×53 at M, 61×61 at Q and 65×65 at H, so at 256 px an H module is about
 * 17 % smaller than an M one. L gives the biggest modules but leaves only about 7 % of the code for a
 * reflection or a dead pixel; M keeps about 15 % for one version step, and is what most enrollment pages
 * use. Choose `'L'` for very long URIs on small screens, `'Q'` or `'H'` for print.
 *
 * @example
 * ```ts
 * OTPAUTH_QR_DEFAULTS.errorCorrection; // 'M'
 * ```
 */
export const OTPAUTH_QR_DEFAULTS: Readonly<{ size: 256; margin: 4; errorCorrection: 'M' }> =
  /* @__PURE__ */ Object.freeze({ size: 256, margin: 4, errorCorrection: 'M' } as const);

const NON_ASCII = /[\u0080-\uffff]+/g;

/**
 * Draws the QR code of an `otpauth://` URI as a standalone SVG document, ready to save as a `.svg` file,
 * inline in HTML or put in an `<img src="data:image/svg+xml,...">`.
 *
 * The content is always plain ASCII: params are built with {@link buildOtpauthUri} (which percent-encodes
 * everything), and a URI string is first checked with {@link parseOtpauthUri} (an invalid URI is refused,
 * not drawn into a code that fails at scan time) and then has any raw non-ASCII characters percent-encoded
 * as UTF-8. A decoder therefore reads back exactly the URI given (or, for raw non-ASCII, its
 * percent-encoded form, which parses to the same params). This also avoids two bugs of `qrcode-svg` with
 * non-ASCII text: it prepends a byte-order mark and mis-encodes characters outside the BMP.
 *
 * The drawing is one `<path>` of horizontal runs of dark modules over a white background, in a viewBox of
 * module units with `shape-rendering="crispEdges"`: about 5 KB for a 150-character URI.
 *
 * @param uriOrParams - an `otpauth://` URI, or the params to build one from.
 * @param options - `size` (default 256 px, or 4 px per module when that is more), `margin` (default 4
 *   modules), `errorCorrection` (default `'M'`).
 * @returns the SVG document, plain ASCII.
 * @throws {@link TwoSvError} whatever {@link parseOtpauthUri} or {@link buildOtpauthUri} throws for the
 *   input, and `INVALID_OPTION`, `INVALID_QR_SIZE`, `INVALID_QR_MARGIN`, `INVALID_ERROR_CORRECTION`,
 *   `QR_CAPACITY_EXCEEDED` (a URI longer than the largest QR code holds at that level: about 2328
 *   characters at M, 1660 at Q, 1270 at H).
 *
 * @example
 * ```ts
 * const svg = otpauthQrSvg({ type: 'totp', secret: generateSecret(), issuer: 'ACME Co', account: 'alice@example.com' });
 * svg.slice(0, 84); // '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 49 49"'
 * // In a page: element.innerHTML = svg, or <img src={`data:image/svg+xml,${encodeURIComponent(svg)}`}>
 * ```
 * @example From a URI, bigger, more robust
 * ```ts
 * otpauthQrSvg('otpauth://totp/ACME%20Co:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co', { size: 400, errorCorrection: 'Q' });
 * ```
 */
export function otpauthQrSvg(uriOrParams: string | OtpauthParams, options?: OtpauthQrOptions): string {
  checkOptions(options);
  const size = options?.size;
  if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > 10_000)) {
    throw new TwoSvError('INVALID_QR_SIZE', 'size must be an integer from 1 to 10000 pixels');
  }
  const margin = options?.margin ?? OTPAUTH_QR_DEFAULTS.margin;
  if (!Number.isInteger(margin) || margin < 0 || margin > 100) {
    throw new TwoSvError('INVALID_QR_MARGIN', 'margin must be an integer from 0 to 100 modules');
  }
  const modules = otpauthQrMatrix(uriOrParams, options);
  const count = modules.length;
  const box = count + 2 * margin;
  const px = size ?? Math.max(OTPAUTH_QR_DEFAULTS.size, 4 * box);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px}" height="${px}" viewBox="0 0 ${box} ${box}"` +
    ` shape-rendering="crispEdges"><path fill="#fff" d="M0 0h${box}v${box}H0z"/>` +
    `<path stroke="#000" d="${runs(modules, margin)}"/></svg>`
  );
}

/**
 * The module matrix behind {@link otpauthQrSvg}, for other renderers (a terminal, a canvas): `matrix[row][col]`
 * is `true` for a dark module, without the quiet zone. Input handling and refusals are those of
 * {@link otpauthQrSvg}.
 *
 * @param uriOrParams - an `otpauth://` URI, or the params to build one from.
 * @param options - `errorCorrection` (default `'M'`).
 * @returns a square matrix, 21 to 177 modules wide.
 * @throws {@link TwoSvError} as {@link otpauthQrSvg}.
 *
 * @example
 * ```ts
 * const matrix = otpauthQrMatrix('otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP');
 * matrix.length; // 33
 * matrix[0]!.slice(0, 8); // [true, true, true, true, true, true, true, false]
 * ```
 */
export function otpauthQrMatrix(
  uriOrParams: string | OtpauthParams,
  options?: Pick<OtpauthQrOptions, 'errorCorrection'>,
): boolean[][] {
  checkOptions(options);
  const ecl = options?.errorCorrection ?? OTPAUTH_QR_DEFAULTS.errorCorrection;
  if (ecl !== 'L' && ecl !== 'M' && ecl !== 'Q' && ecl !== 'H') {
    throw new TwoSvError('INVALID_ERROR_CORRECTION', "errorCorrection must be 'L', 'M', 'Q' or 'H'");
  }
  let content: string;
  if (typeof uriOrParams === 'string') {
    parseOtpauthUri(uriOrParams);
    content = uriOrParams.replace(NON_ASCII, encodeURIComponent);
  } else {
    content = buildOtpauthUri(uriOrParams);
  }
  try {
    return new QRCode({ content, ecl, padding: 0 }).qrcode.modules;
  } catch (cause) {
    throw new TwoSvError(
      'QR_CAPACITY_EXCEEDED',
      'the URI is too long for a QR code at this error correction',
      {
        cause,
      },
    );
  }
}

/**
 * Path data for the dark modules: each horizontal run of dark modules in a row is a 1-unit-wide stroke
 * along the middle of the row (`h` = run length), reached by a relative move from the end of the previous
 * run. About 6 characters per run.
 */
function runs(modules: boolean[][], margin: number): string {
  let d = '';
  let penX = 0;
  let penY = 0;
  const count = modules.length;
  for (let r = 0; r < count; r++) {
    const row = modules[r]!;
    let c = 0;
    while (c < count) {
      if (!row[c]) {
        c++;
        continue;
      }
      let end = c + 1;
      while (end < count && row[end]) end++;
      const x = c + margin;
      const y = r + margin;
      d += d === '' ? `M${x} ${y}.5h${end - c}` : `m${x - penX} ${y - penY}h${end - c}`;
      penX = x + end - c;
      penY = y;
      c = end;
    }
  }
  return d;
}
