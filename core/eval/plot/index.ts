/**
 * Dependency-free PNG charts for run artifacts: line, scatter and
 * line+points series on linear or log axes, single charts or grids of panels.
 */
export { lineChart, renderChart, type ChartLayout, type RenderedChart } from './chart.ts';
export { figure, renderFigure, type RenderedFigure } from './figure.ts';
export type { ChartSpec, FigureSpec, Series, SeriesStyle } from './spec.ts';
export type { AxisLayout, AxisScale } from './axes.ts';
export { Canvas, type Rect, type StrokeStyle, type MarkerStyle, type MarkerShape } from './canvas.ts';
export { PALETTE, parseColor, type Rgb } from './color.ts';
export { drawText, measureText, hasGlyph, GLYPH, type TextStyle } from './font.ts';
export { encodePng, decodePng, readPngChunks, crc32, type RasterImage, type PngChunk } from './png.ts';
export { axisTicks, linearTicks, logTicks, formatLinearTicks, formatLogTicks, formatExponent, type AxisTicks, type LinearTicks, type LogTicks } from './ticks.ts';
