// Real QR decoding for tests: SVG rendered to pixels by resvg, read by jsQR.
import { Resvg } from '@resvg/resvg-js';
import jsQRModule from 'jsqr';

// jsqr is CommonJS with an ES-style `export default` in its types: under NodeNext the default import is the
// module object, which at run time may or may not carry `default`.
type JsQR = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR: JsQR = (jsQRModule as unknown as { default?: JsQR }).default ?? (jsQRModule as unknown as JsQR);

/** Decodes RGBA pixels; `undefined` when no QR code is found. */
export function decodeQrPixels(pixels: Uint8ClampedArray, width: number, height: number): string | undefined {
  return jsQR(pixels, width, height)?.data;
}

/** Renders an SVG document at `width` pixels and decodes the QR code in it. */
export function decodeQrSvg(svg: string, width = 600): string | undefined {
  const image = new Resvg(svg, { fitTo: { mode: 'width', value: width } }).render();
  return decodeQrPixels(new Uint8ClampedArray(image.pixels), image.width, image.height);
}
