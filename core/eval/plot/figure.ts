/**
 * Figures: several chart panels in a grid, row by row, under an optional title.
 */
import type { Metrics } from './axes.ts';
import { metricsFor } from './axes.ts';
import { Canvas } from './canvas.ts';
import { drawChart, type RenderedChart } from './chart.ts';
import { INK } from './color.ts';
import { drawText, measureText } from './font.ts';
import { fitText } from './legend.ts';
import { encodePng } from './png.ts';
import { resolveChart, resolveFigure, type FigureSpec } from './spec.ts';

/** A figure drawn on a canvas, with each panel's layout in figure pixels. */
export interface RenderedFigure {
  canvas: Canvas;
  /** Each panel's rendering (its layout is in panel pixels) and where the panel sits in the figure. */
  panels: { chart: RenderedChart; x: number; y: number }[];
}

/**
 * Draw several charts in a grid and encode the figure as PNG.
 *
 * @param spec the panels (chart specs without width and height), the number
 *   of columns, the panel size and an optional title. A figure without panels
 *   is one empty panel saying "no data".
 * @returns the PNG file's bytes.
 */
export function figure(spec: FigureSpec): Uint8Array {
  return encodePng(renderFigure(spec).canvas.toImage());
}

/** Validate `spec` and draw it. */
export function renderFigure(spec: FigureSpec): RenderedFigure {
  const fig = resolveFigure(spec);
  const { panelWidth, panelHeight, columns } = fig;
  const m = metricsFor(panelWidth, panelHeight);
  const panels = fig.panels.length > 0 ? fig.panels : [resolveChart({ series: [] })];
  const rows = Math.ceil(panels.length / columns);
  const header = fig.title ? titleBand(m) : 0;
  const width = Math.min(columns, panels.length) * panelWidth;
  const canvas = new Canvas(width, header + rows * panelHeight, INK.background);
  if (fig.title) {
    // Double-size when it fits, else one and a half (still above the panels' own titles), else body size.
    const scale = [2 * m.k, 1.5 * m.k].find((k) => measureText(fig.title!, k).width <= width - 2 * m.pad) ?? m.k;
    drawText(canvas, fitText(fig.title, scale, width - 2 * m.pad), width / 2, m.pad + 2 * m.cap - measureText('M', scale).height, { color: INK.text, scale, align: 'center' });
  }
  const out: RenderedFigure['panels'] = [];
  panels.forEach((panel, i) => {
    const chart = drawChart({ ...panel, width: panelWidth, height: panelHeight });
    const x = (i % columns) * panelWidth;
    const y = header + Math.floor(i / columns) * panelHeight;
    canvas.blit(chart.canvas, x, y);
    out.push({ chart, x, y });
  });
  return { canvas, panels: out };
}

/** Height of the band above the panels that holds the figure title (double-size text). */
function titleBand(m: Metrics): number {
  return 2 * m.pad + 2 * m.cap;
}
