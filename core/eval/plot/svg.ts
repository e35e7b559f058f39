/**
 * Writing SVG: escaped text and attributes, numbers with one or two
 * decimals (a tenth of a pixel is below what any screen shows, and keeps
 * the files small), series as clipped paths, and text anchored the way the
 * layout measured it.
 */
import { hex, type Rgb } from './color.ts';
import { boxOf, clipSegment, type Rect } from './geometry.ts';
import { FONT_FAMILY, FONT_SIZE, measureText, type TextStyle } from './text.ts';

type Attrs = Record<string, string | number | undefined>;

/** `text` safe inside an XML element or a double-quoted attribute; characters XML 1.0 forbids become U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** `v` rounded to `decimals`, without trailing zeros or a minus sign on zero. */
export function num(v: number, decimals = 1): string {
  const f = 10 ** decimals;
  return String(Math.round(v * f) / f + 0);
}

/** An SVG document built element by element. */
export class SvgWriter {
  private readonly parts: string[] = [];

  /** An element without children, or with `text` as its content. */
  element(tag: string, attrs: Attrs, text?: string): void {
    const open = `<${tag}${attributes(attrs)}`;
    this.parts.push(text === undefined ? `${open}/>` : `${open}>${escapeXml(text)}</${tag}>`);
  }

  /** Start an element whose children follow until {@link close}. */
  open(tag: string, attrs: Attrs = {}): void {
    this.parts.push(`<${tag}${attributes(attrs)}>`);
  }

  close(tag: string): void {
    this.parts.push(`</${tag}>`);
  }

  /** A filled rectangle, optionally outlined by a 1-pixel stroke along its outermost pixels. */
  rect(r: Rect, fill: Rgb | undefined, options: { stroke?: Rgb; fillOpacity?: number } = {}): void {
    const inset = options.stroke ? 0.5 : 0;
    this.element('rect', {
      x: num(r.x + inset),
      y: num(r.y + inset),
      width: num(r.width - 2 * inset),
      height: num(r.height - 2 * inset),
      fill: fill ? hex(fill) : 'none',
      'fill-opacity': options.fillOpacity === undefined ? undefined : num(options.fillOpacity, 2),
      stroke: options.stroke && hex(options.stroke),
    });
  }

  /** Text anchored at (x, y) as {@link TextStyle} says, in the document's font. */
  text(text: string, x: number, y: number, style: TextStyle): void {
    const scale = style.scale ?? 1;
    const cap = measureText('M', scale).height;
    // SVG anchors text at its baseline: move from the cap line or the middle of the caps down to it.
    const base = cap * { top: 1, middle: 0.5, bottom: 0 }[style.baseline ?? 'top'];
    const size = FONT_SIZE * scale;
    this.element(
      'text',
      {
        x: num(x),
        y: num(y + base),
        'font-size': size === FONT_SIZE ? undefined : num(size),
        'text-anchor': { start: undefined, center: 'middle', end: 'end' }[style.align ?? 'start'],
        fill: hex(style.color),
        // The baseline offset is applied before the turn, so it ends up to the right of (x, y) as the layout expects.
        transform: style.vertical ? `rotate(-90 ${num(x)} ${num(y)})` : undefined,
      },
      text,
    );
  }

  /** The whole document, `width` x `height` pixels, with its children so far. */
  document(width: number, height: number): string {
    const root = attributes({
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      'font-family': FONT_FAMILY,
      'font-size': FONT_SIZE,
    });
    return `<?xml version="1.0" encoding="UTF-8"?>\n<svg${root}>\n${this.parts.join('\n')}\n</svg>\n`;
  }
}

function attributes(attrs: Attrs): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) out += ` ${name}="${escapeXml(String(value))}"`;
  return out;
}

/**
 * Path data through the points (xs[i], ys[i]) clipped to `clip`: a
 * non-finite point ends the current piece, a segment that leaves the clip
 * ends it where it leaves, and points that round to the previous one are
 * left out. Each piece starts with an absolute moveto and continues with
 * relative linetos, computed between the rounded points so that rounding
 * errors do not add up along the line.
 */
export function linePath(xs: ArrayLike<number>, ys: ArrayLike<number>, clip: Rect): string {
  const box = boxOf(clip);
  const tenths = (v: number) => Math.round(v * 10);
  let d = '';
  let pen: [number, number] | undefined;
  for (let i = 1; i < xs.length; i++) {
    const ax = xs[i - 1]!;
    const ay = ys[i - 1]!;
    const dx = xs[i]! - ax;
    const dy = ys[i]! - ay;
    // Also catches a span too wide for a double (a point at 1e300 on one side and -1e300 on the other).
    if (!(Number.isFinite(ax) && Number.isFinite(ay) && Number.isFinite(dx) && Number.isFinite(dy))) continue;
    const seen = clipSegment(ax, ay, ax + dx, ay + dy, box, 0);
    if (!seen) continue;
    const from = [tenths(ax + dx * seen[0]), tenths(ay + dy * seen[0])] as const;
    const to = [tenths(ax + dx * seen[1]), tenths(ay + dy * seen[1])] as const;
    if (!pen || from[0] !== pen[0] || from[1] !== pen[1]) d += `M${from[0] / 10} ${from[1] / 10}l`;
    else if (to[0] === pen[0] && to[1] === pen[1]) continue;
    else d += ' ';
    d += `${(to[0] - from[0]) / 10}${to[1] - from[1] < 0 ? '' : ' '}${(to[1] - from[1]) / 10}`;
    pen = [to[0], to[1]];
  }
  return d;
}

/** Path data of dots at the given points inside `clip`: zero-length pieces, which a round cap draws as discs. */
export function dotsPath(points: readonly (readonly [number, number])[], clip: Rect, radius: number): string {
  let d = '';
  for (const [x, y] of points) {
    if (x >= clip.x - radius && x <= clip.x + clip.width + radius && y >= clip.y - radius && y <= clip.y + clip.height + radius) d += `M${num(x)} ${num(y)}h0`;
  }
  return d;
}
