/**
 * Line charts as SVG: validate the spec, lay out the axes around the text
 * they need, draw grid, series, frame, ticks, labels and legend.
 */
import {
  axisRange,
  categoryRange,
  categorySlot,
  categoryTicks,
  dataExtent,
  drawFrameAndTicks,
  drawGrid,
  fitXTicks,
  fitYTicks,
  makeAxis,
  metricsFor,
  type AxisLayout,
  type AxisScale,
  type Metrics,
} from './axes.ts';
import { INK, paletteColor } from './color.ts';
import type { Rect } from './geometry.ts';
import { drawLegend, fitText, markerAttributes, markerRadius, placeLegend, seriesAttributes, sizeLegend, type LegendEntry, type PixelPath } from './legend.ts';
import { resolveChart, type ChartSpec, type ResolvedChart } from './spec.ts';
import { dotsPath, linePath, SvgWriter } from './svg.ts';
import { measureText } from './text.ts';

/** Where things ended up on a rendered chart. */
export interface ChartLayout {
  /** The plot area in pixels; its outermost pixels carry the frame, and the series are clipped to it. */
  plot: Rect;
  x: AxisLayout;
  y: AxisLayout;
  /** False when no series had a point that could be shown (the chart then says "no data"). */
  hasData: boolean;
  legend?: Rect;
  /** The axis titles as drawn: label and unit, the label shortened if the axis is too short for both. */
  xTitle?: string;
  yTitle?: string;
}

/** A chart as an SVG document, with its layout. */
export interface RenderedChart {
  svg: string;
  layout: ChartLayout;
}

/**
 * Draw a line chart as SVG.
 *
 * @param spec series and decorations; see {@link ChartSpec}. A malformed
 *   spec throws a ConfigError naming the field; data never do (empty or
 *   non-finite data give a chart saying "no data").
 * @returns the SVG file's bytes (UTF-8).
 */
export function lineChart(spec: ChartSpec): Uint8Array {
  return new TextEncoder().encode(renderChart(spec).svg);
}

/** Validate `spec` and draw it; the layout says where the plot area and ticks are. */
export function renderChart(spec: ChartSpec): RenderedChart {
  const chart = resolveChart(spec);
  const svg = new SvgWriter();
  svg.rect({ x: 0, y: 0, width: chart.width, height: chart.height }, INK.background);
  const layout = drawChart(chart, svg, 'plot');
  return { svg: svg.document(chart.width, chart.height), layout };
}

/**
 * Draw an already validated chart into `svg`, its top-left corner at the
 * origin; `clipId` names its clip path and must be unique in the document.
 */
export function drawChart(chart: ResolvedChart, svg: SvgWriter, clipId: string): ChartLayout {
  const m = metricsFor(chart.width, chart.height);
  const scales = { x: chart.logX ? 'log' : 'linear', y: chart.logY ? 'log' : 'linear' } as const;
  const extent = dataExtent(chart.series, scales);
  const xRange = axisRange(extent?.x, scales.x, chart.xRange ?? categoryRange(chart.xCategories));
  const yRange = axisRange(extent?.y, scales.y, chart.yRange ?? categoryRange(chart.yCategories));
  const { plot, x, y } = layoutAxes(chart, m, scales, xRange, yRange);
  const layout: ChartLayout = { plot, x, y, hasData: extent !== undefined };
  const xTitle = axisTitle(chart.xLabel, chart.xUnit, plot.width, m);
  const yTitle = axisTitle(chart.yLabel, chart.yUnit, plot.height, m);
  if (xTitle) layout.xTitle = xTitle;
  if (yTitle) layout.yTitle = yTitle;

  drawGrid(svg, plot, x, y);
  const paths = chart.series.map((s) => project(s, x, y));
  const entries = chart.series.map((s, i): LegendEntry => {
    const color = s.color ?? paletteColor(i);
    return { name: s.name, color, style: s.style, dashed: s.dashed, lineWidth: s.lineWidth, alpha: s.alpha };
  });
  // Paths are clipped to the plot area already; the clip path trims what the line width and markers overhang.
  svg.open('clipPath', { id: clipId });
  svg.rect(plot, undefined);
  svg.close('clipPath');
  svg.open('g', { 'clip-path': `url(#${clipId})` });
  paths.forEach((path, i) => drawSeries(svg, path, entries[i]!, plot, m));
  svg.close('g');
  drawFrameAndTicks(svg, plot, x, y, m);
  drawLabels(svg, chart, layout, m);
  if (!layout.hasData) {
    const scale = plot.width > measureText('no data', 2 * m.k).width * 2 ? 2 * m.k : m.k;
    svg.text('no data', plot.x + plot.width / 2, plot.y + plot.height / 2, { color: INK.muted, scale, align: 'center', baseline: 'middle' });
  }
  if (chart.legend ?? chart.series.length >= 2) {
    const box = sizeLegend(entries, plot, m);
    if (box) {
      layout.legend = placeLegend(box, plot, paths, m);
      drawLegend(svg, layout.legend, box, m);
    }
  }
  return layout;
}

/**
 * Margins from the text they hold: title above; tick labels and x label
 * below; y tick labels and the vertical y label on the left; enough on the
 * right for the last x tick label to overhang.
 */
function layoutAxes(
  chart: ResolvedChart,
  m: Metrics,
  scales: { x: AxisScale; y: AxisScale },
  xr: { min: number; max: number },
  yr: { min: number; max: number },
): { plot: Rect; x: AxisLayout; y: AxisLayout } {
  const top = m.pad + (chart.title ? Math.ceil(measureText('M', titleScale(chart, m)).height) + 2 * m.tickGap : m.cap);
  const bottom = m.tick + m.tickGap + m.cap + (hasTitle(chart.xLabel, chart.xUnit) ? m.labelGap + m.cap : 0) + m.pad;
  const height = Math.max(10, chart.height - top - bottom);
  // Category names on the y axis may take up to a third of the chart's width; longer ones are shortened.
  const yTicks = chart.yCategories ? categoryTicks(chart.yCategories, chart.width / 3, m) : fitYTicks(scales.y, yr.min, yr.max, height, m);
  const labelWidth = Math.ceil(Math.max(0, ...yTicks.labels.map((l) => measureText(l, m.k).width)));
  const left = m.pad + (hasTitle(chart.yLabel, chart.yUnit) ? m.cap + m.labelGap : 0) + labelWidth + m.tickGap + m.tick;
  const xTicksFor = (length: number) =>
    chart.xCategories ? categoryTicks(chart.xCategories, categorySlot(chart.xCategories.length, length, m), m) : fitXTicks(scales.x, xr.min, xr.max, length, m);
  let right = m.pad + m.tickGap;
  let width = Math.max(10, chart.width - left - right);
  let xTicks = xTicksFor(width);
  // The last label is centred on its tick and may overhang the plot area: make room once if it needs more.
  const lastLabel = xTicks.labels.at(-1);
  const overhang = lastLabel ? Math.ceil(measureText(lastLabel, m.k).width / 2) + m.k : 0;
  if (overhang > right) {
    right = overhang;
    width = Math.max(10, chart.width - left - right);
    xTicks = xTicksFor(width);
  }
  const plot = { x: left, y: top, width, height };
  return {
    plot,
    x: makeAxis(scales.x, xr.min, xr.max, xTicks, plot.x, plot.width, false),
    y: makeAxis(scales.y, yr.min, yr.max, yTicks, plot.y, plot.height, true),
  };
}

/** The title's text scale: one and a half times the body text when it fits the chart width. */
function titleScale(chart: ResolvedChart, m: Metrics): number {
  const room = chart.width - 2 * m.pad;
  return chart.title && measureText(chart.title, 1.5 * m.k).width <= room ? 1.5 * m.k : m.k;
}

function hasTitle(label: string | undefined, unit: string | undefined): boolean {
  return Boolean(label || unit);
}

/**
 * An axis title that fits `room` pixels: 'label (unit)', the label
 * shortened first so that the unit always shows; undefined without either.
 */
function axisTitle(label: string | undefined, unit: string | undefined, room: number, m: Metrics): string | undefined {
  if (!hasTitle(label, unit)) return undefined;
  const suffix = unit ? `(${unit})` : '';
  if (!label) return fitText(suffix, m.k, room);
  if (!suffix) return fitText(label, m.k, room);
  const left = room - measureText(` ${suffix}`, m.k).width;
  return left >= measureText('M..', m.k).width ? `${fitText(label, m.k, left)} ${suffix}` : fitText(`${label} ${suffix}`, m.k, room);
}

function drawLabels(svg: SvgWriter, chart: ResolvedChart, layout: ChartLayout, m: Metrics): void {
  const { plot } = layout;
  if (chart.title) {
    const scale = titleScale(chart, m);
    const text = fitText(chart.title, scale, chart.width - 2 * m.pad);
    const w = measureText(text, scale).width;
    // Centred over the plot area like matplotlib, unless that would push it off the chart.
    const centre = Math.min(Math.max(plot.x + plot.width / 2, m.pad + w / 2), chart.width - m.pad - w / 2);
    svg.text(text, centre, m.pad, { color: INK.text, scale, align: 'center' });
  }
  if (layout.xTitle) {
    const top = plot.y + plot.height + m.tick + m.tickGap + m.cap + m.labelGap;
    svg.text(layout.xTitle, plot.x + plot.width / 2, top, { color: INK.text, scale: m.k, align: 'center' });
  }
  if (layout.yTitle) {
    svg.text(layout.yTitle, m.pad, plot.y + plot.height / 2, { color: INK.text, scale: m.k, align: 'center', vertical: true });
  }
}

/** Pixel coordinates of a series; points that cannot be shown on either axis become NaN. */
function project(series: ResolvedChart['series'][number], x: AxisLayout, y: AxisLayout): PixelPath {
  const n = series.x.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const px = x.toPixel(series.x[i]!);
    const py = y.toPixel(series.y[i]!);
    const ok = Number.isFinite(px) && Number.isFinite(py);
    xs[i] = ok ? px : NaN;
    ys[i] = ok ? py : NaN;
  }
  return { xs, ys, joined: series.style !== 'points' };
}

/** One series as a group of its line (pieces joined where the data allow) and its markers. */
function drawSeries(svg: SvgWriter, path: PixelPath, entry: LegendEntry, plot: Rect, m: Metrics): void {
  svg.open('g', { class: 'series', ...seriesAttributes(entry, m) });
  const { xs, ys } = path;
  if (entry.style !== 'points') {
    const d = linePath(xs, ys, plot);
    if (d) svg.element('path', { d });
  }
  const shown = (i: number) => i >= 0 && i < xs.length && Number.isFinite(xs[i]!);
  const dots: [number, number][] = [];
  for (let i = 0; i < xs.length; i++) {
    // A line draws no marker, except for a point with no neighbour to join: else it would be lost.
    if (shown(i) && (entry.style !== 'line' || (!shown(i - 1) && !shown(i + 1)))) dots.push([xs[i]!, ys[i]!]);
  }
  const d = dotsPath(dots, plot, markerRadius(entry.style, m));
  if (d) svg.element('path', { d, ...markerAttributes(entry, m) });
  svg.close('g');
}
