/**
 * The legend: a boxed list of series samples and names, placed in the corner
 * of the plot area that hides the least data (matplotlib's loc='best', on a
 * coarse occupancy grid).
 */
import type { Metrics } from './axes.ts';
import { hex, INK, type Rgb } from './color.ts';
import { clipSegment, type Rect } from './geometry.ts';
import type { SeriesStyle } from './spec.ts';
import { num, type SvgWriter } from './svg.ts';
import { measureText } from './text.ts';

/** What the legend shows for one series. */
export interface LegendEntry {
  name: string;
  color: Rgb;
  style: SeriesStyle;
  dashed: boolean;
  lineWidth: number;
  alpha: number;
}

/** A series in pixel coordinates (NaN for points not shown). */
export interface PixelPath {
  xs: Float64Array;
  ys: Float64Array;
  joined: boolean;
}

/** A legend sized for a plot area: the rows that fit and the box size. */
export interface LegendBox {
  rows: (LegendEntry | string)[];
  width: number;
  height: number;
}

const CELL = 8;

/** Size the legend for `plot`; rows that do not fit collapse into a final "+N more". */
export function sizeLegend(entries: readonly LegendEntry[], plot: Rect, m: Metrics): LegendBox | undefined {
  if (entries.length === 0) return undefined;
  const rowHeight = rowPitch(m);
  const capacity = Math.floor((plot.height - 2 * m.pad - 2 * m.tickGap + (rowHeight - m.cap)) / rowHeight);
  if (capacity < 1) return undefined;
  const maxText = Math.max(measureText('M', m.k).width, Math.floor(plot.width * 0.6) - sampleWidth(m) - 3 * m.tickGap * 2);
  const shown = entries.length <= capacity ? entries : entries.slice(0, capacity - 1);
  const rows: (LegendEntry | string)[] = shown.map((e) => ({ ...e, name: fitText(e.name, m.k, maxText) }));
  if (shown.length < entries.length) rows.push(`+${entries.length - shown.length} more`);
  const textWidth = Math.ceil(Math.max(...rows.map((r) => measureText(typeof r === 'string' ? r : r.name, m.k).width)));
  const width = 2 * m.tickGap * 2 + sampleWidth(m) + m.tickGap * 2 + textWidth;
  const height = 2 * m.tickGap + rows.length * rowHeight - (rowHeight - m.cap) + 2 * m.k;
  return { rows, width, height };
}

/** The corner of `plot` (inset by the padding) whose legend box covers the fewest occupied cells. */
export function placeLegend(box: LegendBox, plot: Rect, paths: readonly PixelPath[], m: Metrics): Rect {
  const grid = occupancy(paths, plot);
  const inset = m.pad;
  const left = plot.x + inset;
  const right = plot.x + plot.width - inset - box.width;
  const top = plot.y + inset;
  const bottom = plot.y + plot.height - inset - box.height;
  // Ties go to the first: upper right, upper left, lower left, lower right (matplotlib's order).
  const corners = [
    { x: right, y: top },
    { x: left, y: top },
    { x: left, y: bottom },
    { x: right, y: bottom },
  ];
  let best = corners[0]!;
  let bestScore = Infinity;
  for (const c of corners) {
    const score = grid.count({ x: c.x, y: c.y, width: box.width, height: box.height });
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return { x: Math.round(best.x), y: Math.round(best.y), width: box.width, height: box.height };
}

/** Draw the legend box at `rect`. */
export function drawLegend(svg: SvgWriter, rect: Rect, box: LegendBox, m: Metrics): void {
  svg.open('g', { class: 'legend' });
  svg.rect(rect, INK.background, { stroke: INK.legendBorder, fillOpacity: 0.85 });
  const sample = sampleWidth(m);
  const x0 = rect.x + m.tickGap * 2;
  const textX = x0 + sample + m.tickGap * 2;
  box.rows.forEach((row, i) => {
    const mid = rect.y + m.tickGap + m.k + i * rowPitch(m) + m.cap / 2;
    if (typeof row === 'string') {
      svg.text(row, textX, mid, { color: INK.muted, scale: m.k, baseline: 'middle' });
      return;
    }
    svg.open('g', seriesAttributes(row, m));
    if (row.style !== 'points') svg.element('path', { d: `M${num(x0)} ${num(mid)}h${num(sample)}` });
    if (row.style !== 'line') svg.element('path', { d: `M${num(x0 + sample / 2)} ${num(mid)}h0`, ...markerAttributes(row, m) });
    svg.close('g');
    svg.text(row.name, textX, mid, { color: INK.text, scale: m.k, baseline: 'middle' });
  });
  svg.close('g');
}

/**
 * The stroke of a series' line, its dash and opacity, shared by its paths
 * (markers are round-capped dots of the same stroke, only wider).
 */
export function seriesAttributes(entry: LegendEntry, m: Metrics): Record<string, string | undefined> {
  const width = entry.lineWidth * m.k;
  return {
    fill: 'none',
    stroke: hex(entry.color),
    'stroke-width': num(width),
    'stroke-opacity': entry.alpha < 1 ? num(entry.alpha, 2) : undefined,
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
    'stroke-dasharray': entry.dashed ? dashPattern(width).map((v) => num(v)).join(' ') : undefined,
  };
}

/** What a series' marker path changes from the series' stroke: a width of the marker's diameter, no dashes. */
export function markerAttributes(entry: LegendEntry, m: Metrics): Record<string, string | undefined> {
  return { 'stroke-width': num(2 * markerRadius(entry.style, m)), 'stroke-dasharray': entry.dashed ? 'none' : undefined };
}

/** The dash pattern for a dashed line of this width (round caps add `width` to each dash). */
export function dashPattern(width: number): number[] {
  return [Math.max(1, 3 * width), 3.5 * width];
}

/** Marker radius for a series style. */
export function markerRadius(style: SeriesStyle, m: Metrics): number {
  return (style === 'points' ? 2.5 : 3) * m.k;
}

/** `text`, shortened with '..' to fit `maxWidth` pixels at `scale`. */
export function fitText(text: string, scale: number, maxWidth: number): string {
  if (measureText(text, scale).width <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 1 && measureText(chars.join('') + '..', scale).width > maxWidth) chars.pop();
  return chars.join('') + '..';
}

function rowPitch(m: Metrics): number {
  return m.cap + 6 * m.k;
}

function sampleWidth(m: Metrics): number {
  return 24 * m.k;
}

/** Which CELL x CELL cells of the plot area the data pass through. */
function occupancy(paths: readonly PixelPath[], plot: Rect): { count(r: Rect): number } {
  const cols = Math.ceil(plot.width / CELL);
  const rows = Math.ceil(plot.height / CELL);
  const cells = new Uint8Array(cols * rows);
  const mark = (px: number, py: number) => {
    const c = Math.floor((px - plot.x) / CELL);
    const r = Math.floor((py - plot.y) / CELL);
    if (c >= 0 && c < cols && r >= 0 && r < rows) cells[r * cols + c] = 1;
  };
  const box = { x0: plot.x, y0: plot.y, x1: plot.x + plot.width, y1: plot.y + plot.height };
  for (const { xs, ys, joined } of paths) {
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const y = ys[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      mark(x, y);
      const px = i > 0 ? xs[i - 1]! : NaN;
      const py = i > 0 ? ys[i - 1]! : NaN;
      if (!joined || !Number.isFinite(px) || !Number.isFinite(py)) continue;
      const seen = clipSegment(px, py, x, y, box, 0);
      if (!seen) continue;
      const steps = Math.ceil((Math.hypot(x - px, y - py) * (seen[1] - seen[0])) / (CELL / 2));
      for (let k = 0; k <= steps; k++) {
        const t = seen[0] + ((seen[1] - seen[0]) * k) / Math.max(1, steps);
        mark(px + (x - px) * t, py + (y - py) * t);
      }
    }
  }
  return {
    count(r: Rect): number {
      let n = 0;
      const c0 = Math.max(0, Math.floor((r.x - plot.x) / CELL));
      const c1 = Math.min(cols, Math.ceil((r.x + r.width - plot.x) / CELL));
      const r0 = Math.max(0, Math.floor((r.y - plot.y) / CELL));
      const r1 = Math.min(rows, Math.ceil((r.y + r.height - plot.y) / CELL));
      for (let row = r0; row < r1; row++) for (let c = c0; c < c1; c++) n += cells[row * cols + c]!;
      return n;
    },
  };
}
