/**
 * A small RGB raster canvas: filled rectangles, anti-aliased strokes and
 * markers, all clipped to a rectangle.
 *
 * Coordinates are continuous: pixel (i, j) covers [i, i+1) x [j, j+1), so its
 * centre is (i + 0.5, j + 0.5). A stroke is the set of points within width/2
 * of the path (round caps and joins); a pixel's coverage is approximated by
 * a one-pixel ramp of its centre's distance to that set, the usual
 * signed-distance anti-aliasing. A polyline is rasterised into a coverage
 * mask first (maximum over its segments) and composited once, so joins and
 * overlapping dashes are not blended twice.
 */
import { ConfigError } from '../../errors.ts';
import type { Rgb } from './color.ts';
import type { RasterImage } from './png.ts';

/** An axis-aligned rectangle; integer pixel bounds where used for clipping. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How a line or polyline is stroked. */
export interface StrokeStyle {
  color: Rgb;
  /** Line width in pixels, at least 1. */
  width?: number;
  /** Dash pattern in pixels: on, off, on, off, ... (drawn with round caps). */
  dash?: readonly number[];
  /** Opacity 0-1. */
  alpha?: number;
}

/** Marker shapes. */
export type MarkerShape = 'circle' | 'square' | 'diamond';

/** How a marker is drawn. */
export interface MarkerStyle {
  color: Rgb;
  /** Radius in pixels (half the side for a square). */
  radius: number;
  shape?: MarkerShape;
  alpha?: number;
}

/** Pixel bounds: x0 <= x < x1, y0 <= y < y1. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export class Canvas {
  readonly width: number;
  readonly height: number;
  /** RGB bytes, row-major from the top-left. */
  readonly data: Uint8Array;
  private clipBox: Box;
  private mask: Float32Array | undefined;
  /** Pixel bounds (inclusive-exclusive) of mask entries written since the last composite. */
  private dirty: Box = emptyBox();

  constructor(width: number, height: number, background: Rgb) {
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 3);
    this.clipBox = { x0: 0, y0: 0, x1: width, y1: height };
    this.fillRect({ x: 0, y: 0, width, height }, background);
  }

  /** Restrict later drawing to `rect` (rounded to whole pixels); null lifts the restriction. */
  setClip(rect: Rect | null): void {
    const r = rect ?? { x: 0, y: 0, width: this.width, height: this.height };
    this.clipBox = {
      x0: clampInt(Math.round(r.x), 0, this.width),
      y0: clampInt(Math.round(r.y), 0, this.height),
      x1: clampInt(Math.round(r.x + r.width), 0, this.width),
      y1: clampInt(Math.round(r.y + r.height), 0, this.height),
    };
  }

  /** Fill the whole pixels of `rect` (bounds rounded). */
  fillRect(rect: Rect, color: Rgb, alpha = 1): void {
    const c = this.clipBox;
    const x0 = Math.max(c.x0, Math.round(rect.x));
    const x1 = Math.min(c.x1, Math.round(rect.x + rect.width));
    const y0 = Math.max(c.y0, Math.round(rect.y));
    const y1 = Math.min(c.y1, Math.round(rect.y + rect.height));
    if (alpha < 1) {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) this.blendUnclipped(x, y, color, alpha);
      return;
    }
    const d = this.data;
    for (let y = y0; y < y1; y++) {
      for (let i = (y * this.width + x0) * 3, end = (y * this.width + x1) * 3; i < end; i += 3) {
        d[i] = color.r;
        d[i + 1] = color.g;
        d[i + 2] = color.b;
      }
    }
  }

  /** The colour of pixel (x, y). */
  pixel(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return { r: this.data[i]!, g: this.data[i + 1]!, b: this.data[i + 2]! };
  }

  /** Stroke one segment. */
  line(x0: number, y0: number, x1: number, y1: number, style: StrokeStyle): void {
    this.polyline([x0, x1], [y0, y1], style);
  }

  /**
   * Stroke the path through (xs[i], ys[i]). A non-finite coordinate ends the
   * current piece and the next finite point starts a new one; a piece of a
   * single point is drawn as a dot of the line width.
   */
  polyline(xs: ArrayLike<number>, ys: ArrayLike<number>, style: StrokeStyle): void {
    const half = Math.max(1, style.width ?? 1) / 2;
    const dash = validDash(style.dash);
    let phase = 0;
    const n = Math.min(xs.length, ys.length);
    for (let i = 0; i < n; i++) {
      const x = xs[i]!;
      const y = ys[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const px = i > 0 ? xs[i - 1]! : NaN;
      const py = i > 0 ? ys[i - 1]! : NaN;
      const startsPiece = !Number.isFinite(px) || !Number.isFinite(py);
      if (startsPiece) {
        phase = 0;
        const nx = i + 1 < n ? xs[i + 1]! : NaN;
        const ny = i + 1 < n ? ys[i + 1]! : NaN;
        if (!Number.isFinite(nx) || !Number.isFinite(ny)) this.maskSegment(x, y, x, y, half);
        continue;
      }
      if (dash) phase = this.maskDashed(px, py, x, y, half, dash, phase);
      else this.maskSegment(px, py, x, y, half);
    }
    this.composite(style.color, style.alpha ?? 1);
  }

  /** Draw a filled, anti-aliased marker centred at (x, y); non-finite centres are skipped. */
  marker(x: number, y: number, style: MarkerStyle): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const r = style.radius;
    const shape = style.shape ?? 'circle';
    const c = this.clipBox;
    const bx0 = Math.max(c.x0, Math.floor(x - r - 1));
    const bx1 = Math.min(c.x1, Math.ceil(x + r + 1));
    const by0 = Math.max(c.y0, Math.floor(y - r - 1));
    const by1 = Math.min(c.y1, Math.ceil(y + r + 1));
    for (let py = by0; py < by1; py++) {
      for (let px = bx0; px < bx1; px++) {
        const dx = Math.abs(px + 0.5 - x);
        const dy = Math.abs(py + 0.5 - y);
        const d = shape === 'square' ? Math.max(dx, dy) - r : shape === 'diamond' ? (dx + dy - r * 1.3) / Math.SQRT2 : Math.sqrt(dx * dx + dy * dy) - r;
        const cover = Math.min(1, Math.max(0, 0.5 - d));
        if (cover > 0) this.blendUnclipped(px, py, style.color, cover * (style.alpha ?? 1));
      }
    }
  }

  /**
   * Fill rectangles given in continuous coordinates, anti-aliased by exact
   * area coverage (for text at a fractional scale). The rectangles must not
   * overlap each other, since their coverages add.
   */
  fillRectsSmooth(rects: readonly Rect[], color: Rgb, alpha = 1): void {
    const mask = (this.mask ??= new Float32Array(this.width * this.height));
    const c = this.clipBox;
    for (const r of rects) {
      const x0 = Math.max(c.x0, Math.floor(r.x));
      const x1 = Math.min(c.x1, Math.ceil(r.x + r.width));
      const y0 = Math.max(c.y0, Math.floor(r.y));
      const y1 = Math.min(c.y1, Math.ceil(r.y + r.height));
      for (let y = y0; y < y1; y++) {
        const h = Math.min(y + 1, r.y + r.height) - Math.max(y, r.y);
        for (let x = x0; x < x1; x++) {
          const w = Math.min(x + 1, r.x + r.width) - Math.max(x, r.x);
          const i = y * this.width + x;
          mask[i] = Math.min(1, mask[i]! + w * h);
        }
      }
      if (x0 < x1 && y0 < y1) this.growDirty(x0, y0, x1, y1);
    }
    this.composite(color, alpha);
  }

  /** Copy `src` with its top-left corner at integer (x, y), ignoring the clip. */
  blit(src: Canvas, x: number, y: number): void {
    for (let row = 0; row < src.height; row++) {
      const ty = y + row;
      if (ty < 0 || ty >= this.height) continue;
      const from = Math.max(0, -x);
      const to = Math.min(src.width, this.width - x);
      if (to <= from) continue;
      const s = (row * src.width + from) * 3;
      this.data.set(src.data.subarray(s, s + (to - from) * 3), (ty * this.width + x + from) * 3);
    }
  }

  /** The pixels as an RGB image (shares the buffer). */
  toImage(): RasterImage {
    return { width: this.width, height: this.height, channels: 3, data: this.data };
  }

  private blendUnclipped(x: number, y: number, color: Rgb, alpha: number): void {
    const i = (y * this.width + x) * 3;
    const d = this.data;
    if (alpha >= 1) {
      d[i] = color.r;
      d[i + 1] = color.g;
      d[i + 2] = color.b;
      return;
    }
    d[i] = Math.round(d[i]! + (color.r - d[i]!) * alpha);
    d[i + 1] = Math.round(d[i + 1]! + (color.g - d[i + 1]!) * alpha);
    d[i + 2] = Math.round(d[i + 2]! + (color.b - d[i + 2]!) * alpha);
  }

  /** Walk the dash pattern along one segment from `phase`; returns the phase at its end. */
  private maskDashed(x0: number, y0: number, x1: number, y1: number, half: number, dash: readonly number[], phase: number): number {
    const period = dash.reduce((a, b) => a + b, 0);
    const length = Math.hypot(x1 - x0, y1 - y0);
    if (!(length > 0) || !Number.isFinite(length)) return phase;
    // Only the part that can touch the clip is walked: a far-off point must not cost a dash per pixel of its distance.
    const seen = clipSegment(x0, y0, x1, y1, this.clipBox, half + 1);
    if (!seen) return (phase + length) % period;
    const [t0, t1] = seen;
    let s = t0 * length;
    let p = (phase + s) % period;
    let k = 0;
    while (p >= dash[k]!) {
      p -= dash[k]!;
      k = (k + 1) % dash.length;
    }
    const end = t1 * length;
    const ux = (x1 - x0) / length;
    const uy = (y1 - y0) / length;
    while (s < end) {
      const run = Math.min(dash[k]! - p, end - s);
      if (k % 2 === 0) this.maskSegment(x0 + ux * s, y0 + uy * s, x0 + ux * (s + run), y0 + uy * (s + run), half);
      s += run;
      p += run;
      if (p >= dash[k]! - 1e-9) {
        p = 0;
        k = (k + 1) % dash.length;
      }
    }
    return (phase + length) % period;
  }

  /** Raise the mask to the coverage of the capsule of radius `half` around the segment. */
  private maskSegment(ax: number, ay: number, bx: number, by: number, half: number): void {
    const reach = half + 0.5;
    // Clip first so that a point far off the canvas neither overflows the arithmetic nor costs time.
    const seen = clipSegment(ax, ay, bx, by, this.clipBox, reach + 1);
    if (!seen) return;
    const x0 = ax + (bx - ax) * seen[0];
    const y0 = ay + (by - ay) * seen[0];
    const dx = (bx - ax) * (seen[1] - seen[0]);
    const dy = (by - ay) * (seen[1] - seen[0]);
    const len2 = dx * dx + dy * dy;
    const mask = (this.mask ??= new Float32Array(this.width * this.height));
    const c = this.clipBox;
    const rowStart = Math.max(c.y0, Math.floor(Math.min(y0, y0 + dy) - reach));
    const rowEnd = Math.min(c.y1, Math.ceil(Math.max(y0, y0 + dy) + reach));
    for (let py = rowStart; py < rowEnd; py++) {
      const cy = py + 0.5;
      // The span of x this row can reach: the segment's points within `reach` of the row, widened by `reach`.
      let ta = 0;
      let tb = 1;
      if (dy !== 0) {
        const u = (cy - reach - y0) / dy;
        const v = (cy + reach - y0) / dy;
        ta = Math.max(0, Math.min(u, v));
        tb = Math.min(1, Math.max(u, v));
        if (ta > tb) continue;
      }
      const colStart = Math.max(c.x0, Math.floor(x0 + Math.min(dx * ta, dx * tb) - reach));
      const colEnd = Math.min(c.x1, Math.ceil(x0 + Math.max(dx * ta, dx * tb) + reach));
      for (let px = colStart; px < colEnd; px++) {
        const cx = px + 0.5;
        let t = len2 > 0 ? ((cx - x0) * dx + (cy - y0) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = cx - x0 - dx * t;
        const ey = cy - y0 - dy * t;
        const cover = reach - Math.sqrt(ex * ex + ey * ey);
        if (cover <= 0) continue;
        const i = py * this.width + px;
        if (cover > mask[i]!) mask[i] = cover > 1 ? 1 : cover;
      }
      this.growDirty(colStart, py, colEnd, py + 1);
    }
  }

  private growDirty(x0: number, y0: number, x1: number, y1: number): void {
    const d = this.dirty;
    if (x0 < d.x0) d.x0 = x0;
    if (y0 < d.y0) d.y0 = y0;
    if (x1 > d.x1) d.x1 = x1;
    if (y1 > d.y1) d.y1 = y1;
  }

  /** Blend the mask into the pixels with `color` and clear it. */
  private composite(color: Rgb, alpha: number): void {
    const mask = this.mask;
    const d = this.dirty;
    if (!mask || d.x0 >= d.x1) return;
    for (let y = d.y0; y < d.y1; y++) {
      for (let x = d.x0; x < d.x1; x++) {
        const i = y * this.width + x;
        const m = mask[i]!;
        if (m > 0) {
          this.blendUnclipped(x, y, color, m * alpha);
          mask[i] = 0;
        }
      }
    }
    this.dirty = emptyBox();
  }
}

function emptyBox(): Box {
  return { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function validDash(dash: readonly number[] | undefined): readonly number[] | undefined {
  if (dash === undefined) return undefined;
  if (dash.length === 0 || dash.length % 2 !== 0 || !dash.every((v) => Number.isFinite(v) && v > 0)) {
    throw new ConfigError('dash', `dash must be an even-length list of positive numbers (on, off, ...), got [${dash.join(', ')}]`);
  }
  return dash;
}

/**
 * The parameter range [t0, t1] of the segment inside `box` grown by `margin`
 * (Liang-Barsky clipping), or undefined when it misses the box.
 */
export function clipSegment(x0: number, y0: number, x1: number, y1: number, box: Box, margin: number): [number, number] | undefined {
  const dx = x1 - x0;
  const dy = y1 - y0;
  let t0 = 0;
  let t1 = 1;
  // Each edge as p * t <= q; no allocation per call, this runs once per segment.
  for (let edge = 0; edge < 4; edge++) {
    const p = edge === 0 ? -dx : edge === 1 ? dx : edge === 2 ? -dy : dy;
    const q = edge === 0 ? x0 - (box.x0 - margin) : edge === 1 ? box.x1 + margin - x0 : edge === 2 ? y0 - (box.y0 - margin) : box.y1 + margin - y0;
    if (p === 0) {
      if (q < 0) return undefined;
      continue;
    }
    const r = q / p;
    if (p < 0) {
      if (r > t0) t0 = r;
    } else if (r < t1) t1 = r;
    if (t0 > t1) return undefined;
  }
  return [t0, t1];
}
