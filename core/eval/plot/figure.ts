/**
 * Figures: several chart panels in a grid, row by row, under an optional title.
 */
import type { Metrics } from './axes.ts';
import { metricsFor } from './axes.ts';
import { drawChart, type ChartLayout } from './chart.ts';
import { INK } from './color.ts';
import { fitText } from './legend.ts';
import { resolveChart, resolveFigure, type FigureSpec } from './spec.ts';
import { SvgWriter } from './svg.ts';
import { measureText } from './text.ts';

/** A figure as an SVG document, with each panel's layout (in panel pixels) and where the panel sits in the figure. */
export interface RenderedFigure {
  svg: string;
  width: number;
  height: number;
  panels: { layout: ChartLayout; x: number; y: number }[];
}

/**
 * Draw several charts in a grid as one SVG.
 *
 * @param spec the panels (chart specs without width and height), the number
 *   of columns, the panel size and an optional title. A figure without panels
 *   is one empty panel saying "no data".
 * @returns the SVG file's bytes (UTF-8).
 */
export function figure(spec: FigureSpec): Uint8Array {
  return new TextEncoder().encode(renderFigure(spec).svg);
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
  const height = header + rows * panelHeight;
  const svg = new SvgWriter();
  svg.rect({ x: 0, y: 0, width, height }, INK.background);
  if (fig.title) {
    // Double-size when it fits, else one and a half (still above the panels' own titles), else body size.
    const scale = [2 * m.k, 1.5 * m.k].find((k) => measureText(fig.title!, k).width <= width - 2 * m.pad) ?? m.k;
    svg.text(fitText(fig.title, scale, width - 2 * m.pad), width / 2, m.pad + 2 * m.cap, { color: INK.text, scale, align: 'center', baseline: 'bottom' });
  }
  const out: RenderedFigure['panels'] = [];
  panels.forEach((panel, i) => {
    const x = (i % columns) * panelWidth;
    const y = header + Math.floor(i / columns) * panelHeight;
    svg.open('g', { class: 'panel', transform: `translate(${x} ${y})` });
    const layout = drawChart({ ...panel, width: panelWidth, height: panelHeight }, svg, `plot${i}`);
    svg.close('g');
    out.push({ layout, x, y });
  });
  return { svg: svg.document(width, height), width, height, panels: out };
}

/** Height of the band above the panels that holds the figure title (double-size text). */
function titleBand(m: Metrics): number {
  return 2 * m.pad + 2 * m.cap;
}
