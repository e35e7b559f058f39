/**
 * Axes: data ranges, the data-to-pixel mapping, and the furniture drawn
 * around the data (grid, frame, ticks, tick labels).
 */
import { hex, INK } from './color.ts';
import type { Rect } from './geometry.ts';
import { fitText } from './legend.ts';
import type { ResolvedSeries } from './spec.ts';
import { num, type SvgWriter } from './svg.ts';
import { measureText } from './text.ts';
import { axisTicks, type AxisTicks } from './ticks.ts';

export type AxisScale = 'linear' | 'log';

/** One laid-out axis. */
export interface AxisLayout {
  scale: AxisScale;
  /** The data range shown. */
  min: number;
  max: number;
  ticks: AxisTicks;
  /** Continuous pixel coordinate of a data value; NaN when it cannot be shown (non-finite, or <= 0 on a log axis). */
  toPixel(v: number): number;
}

/** Sizes in pixels for one text scale `k` (1 up to about 640 x 400, 2 from twice that). */
export interface Metrics {
  k: number;
  pad: number;
  tick: number;
  minorTick: number;
  tickGap: number;
  labelGap: number;
  /** Cap height of body text, rounded to whole pixels so that the plot area's edges fall on pixel boundaries. */
  cap: number;
}

/** The metrics for a chart of this size. */
export function metricsFor(width: number, height: number): Metrics {
  const k = Math.max(1, Math.floor(Math.min(width / 640, height / 400) + 0.25));
  return { k, pad: 10 * k, tick: 4 * k, minorTick: 2 * k, tickGap: 4 * k, labelGap: 8 * k, cap: Math.round(measureText('0', k).height) };
}

/** Whether `v` can be placed on an axis of this scale. */
export function usable(v: number, scale: AxisScale): boolean {
  return Number.isFinite(v) && (scale === 'linear' || v > 0);
}

/** The [min, max] of the points whose x and y can both be shown, or undefined when there are none. */
export function dataExtent(series: readonly ResolvedSeries[], scales: { x: AxisScale; y: AxisScale }): { x: [number, number]; y: [number, number] } | undefined {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i]!;
      const y = s.y[i]!;
      if (!usable(x, scales.x) || !usable(y, scales.y)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x0 <= x1 ? { x: [x0, x1], y: [y0, y1] } : undefined;
}

/**
 * The range an axis shows: `fixed` when given, else the data extent padded
 * by 5% on each side (in log10 on a log axis), widened around a single
 * value, or a default when there are no data.
 */
export function axisRange(extent: readonly [number, number] | undefined, scale: AxisScale, fixed?: readonly number[]): { min: number; max: number } {
  if (fixed) return { min: fixed[0]!, max: fixed[1]! };
  if (!extent) return scale === 'log' ? { min: 1, max: 10 } : { min: 0, max: 1 };
  const f = scale === 'log' ? Math.log10 : (v: number) => v;
  const g = scale === 'log' ? (v: number) => 10 ** v : (v: number) => v;
  let lo = f(extent[0]);
  let hi = f(extent[1]);
  const size = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo <= size * 1e-12 || hi - lo < 1e-290) {
    // One value (or values equal to ~12 digits, or a span too small to divide): show it in the middle of a small range.
    const half = scale === 'log' ? 0.5 : size > 1e-290 ? size * 0.05 : 1e-290;
    lo -= half;
    hi += half;
  } else {
    const margin = (hi - lo) * 0.05;
    lo -= margin;
    hi += margin;
  }
  const min = g(lo);
  const max = g(hi);
  // Padding can overflow a range near the largest double: fall back to the unpadded extent.
  return Number.isFinite(min) && Number.isFinite(max) && min < max ? { min, max } : { min: extent[0], max: extent[1] > extent[0] ? extent[1] : extent[0] + 1 };
}

/**
 * Map [min, max] onto the pixel centres of the first and last pixel of
 * [start, start + length) (reversed when `flip`, for y pointing up).
 */
export function makeAxis(scale: AxisScale, min: number, max: number, ticks: AxisTicks, start: number, length: number, flip: boolean): AxisLayout {
  // Halved so that a range of +-1e308 does not overflow.
  const f = scale === 'log' ? (v: number) => Math.log10(v) / 2 : (v: number) => v / 2;
  const a = f(min);
  const span = f(max) - a;
  const first = start + 0.5;
  const extent = length - 1;
  const toPixel = (v: number): number => {
    if (!usable(v, scale)) return NaN;
    const t = (f(v) - a) / span;
    return flip ? first + (1 - t) * extent : first + t * extent;
  };
  return { scale, min, max, ticks, toPixel };
}

/** Light grid lines at the major ticks, under the data. */
export function drawGrid(svg: SvgWriter, plot: Rect, x: AxisLayout, y: AxisLayout): void {
  let d = '';
  for (const v of x.ticks.major) d += `M${crisp(x.toPixel(v))} ${num(plot.y)}V${num(plot.y + plot.height)}`;
  for (const v of y.ticks.major) d += `M${num(plot.x)} ${crisp(y.toPixel(v))}H${num(plot.x + plot.width)}`;
  if (d) svg.element('path', { d, stroke: hex(INK.grid), fill: 'none' });
}

/** The frame around the plot area, outward ticks and tick labels. */
export function drawFrameAndTicks(svg: SvgWriter, plot: Rect, x: AxisLayout, y: AxisLayout, m: Metrics): void {
  svg.rect(plot, undefined, { stroke: INK.frame });
  const bottom = plot.y + plot.height;
  let d = '';
  for (const v of x.ticks.minor) d += `M${crisp(x.toPixel(v))} ${num(bottom)}v${num(m.minorTick)}`;
  for (const v of y.ticks.minor) d += `M${num(plot.x)} ${crisp(y.toPixel(v))}h${num(-m.minorTick)}`;
  for (const v of x.ticks.major) d += `M${crisp(x.toPixel(v))} ${num(bottom)}v${num(m.tick)}`;
  for (const v of y.ticks.major) d += `M${num(plot.x)} ${crisp(y.toPixel(v))}h${num(-m.tick)}`;
  if (d) svg.element('path', { d, stroke: hex(INK.frame), fill: 'none' });
  x.ticks.major.forEach((v, i) => {
    svg.text(x.ticks.labels[i]!, Number(crisp(x.toPixel(v))), bottom + m.tick + m.tickGap, { color: INK.text, scale: m.k, align: 'center' });
  });
  y.ticks.major.forEach((v, i) => {
    svg.text(y.ticks.labels[i]!, plot.x - m.tick - m.tickGap, Number(crisp(y.toPixel(v))), { color: INK.text, scale: m.k, align: 'end', baseline: 'middle' });
  });
}

/** The centre of the pixel a coordinate falls in, where a 1-pixel line is drawn sharp rather than smeared over two. */
function crisp(v: number): string {
  return num(Math.floor(v) + 0.5);
}

/**
 * X ticks whose labels do not collide: the most ticks (one per ~50 px at
 * most) whose neighbouring labels keep a gap of at least 2 characters.
 */
export function fitXTicks(scale: AxisScale, min: number, max: number, length: number, m: Metrics): AxisTicks {
  const f = scale === 'log' ? Math.log10 : (v: number) => v;
  const a = f(min);
  const span = f(max) - a;
  for (let count = Math.max(2, Math.floor(length / (50 * m.k)) + 1); count > 2; count--) {
    const ticks = axisTicks(scale, min, max, count);
    const pos = ticks.major.map((v) => ((f(v) - a) / span) * length);
    const widths = ticks.labels.map((l) => measureText(l, m.k).width);
    if (pos.every((p, i) => i === 0 || p - pos[i - 1]! >= (widths[i]! + widths[i - 1]!) / 2 + 12 * m.k)) return ticks;
  }
  return axisTicks(scale, min, max, 2);
}

/** Y ticks: at most one per ~40 px. */
export function fitYTicks(scale: AxisScale, min: number, max: number, length: number, m: Metrics): AxisTicks {
  return axisTicks(scale, min, max, Math.max(2, Math.floor(length / (40 * m.k)) + 1));
}

/** The range a categorical axis shows by default: half a category beyond the first and last. */
export function categoryRange(names: readonly string[] | undefined): [number, number] | undefined {
  return names ? [-0.5, names.length - 0.5] : undefined;
}

/**
 * Ticks of a categorical axis: one at each category's index, labelled by
 * its name, shortened (ending in '..') to `room` pixels where it is longer.
 */
export function categoryTicks(names: readonly string[], room: number, m: Metrics): AxisTicks {
  return { major: names.map((_, i) => i), labels: names.map((name) => fitText(name, m.k, room)), minor: [] };
}

/** Room for each x category label: its share of the axis, less a gap of two characters to its neighbours. */
export function categorySlot(count: number, length: number, m: Metrics): number {
  return length / count - 12 * m.k;
}
