/**
 * Dependency-free SVG charts for run artifacts: line, scatter and
 * line+points series on linear, log or categorical axes, single charts or
 * grids of panels.
 */
export { lineChart, renderChart, type ChartLayout, type RenderedChart } from './chart.ts';
export { figure, renderFigure, type RenderedFigure } from './figure.ts';
export type { ChartSpec, FigureSpec, Series, SeriesStyle } from './spec.ts';
export type { AxisLayout, AxisScale } from './axes.ts';
export type { Rect } from './geometry.ts';
export { PALETTE, parseColor, hex, type Rgb } from './color.ts';
export { measureText, type TextStyle } from './text.ts';
export { axisTicks, linearTicks, logTicks, formatLinearTicks, formatLogTicks, formatExponent, type AxisTicks, type LinearTicks, type LogTicks } from './ticks.ts';
