/**
 * What a chart or figure is asked to show, and its validation.
 *
 * Specs are checked once at the public boundary: a malformed spec (unknown
 * key, width out of range, bad colour, x and y of different lengths) is a
 * ConfigError naming the path, e.g. `chart.series[1].color must be ...`.
 * Data are never an error: empty series, NaN and Infinity (and values <= 0
 * on a log axis) are left out of the drawing.
 */
import { ConfigError } from '../../errors.ts';
import { s, Schema, show, type Infer } from '../../schema.ts';
import { COLOR_SYNTAX, parseColor, type Rgb } from './color.ts';

/** How a series is drawn. */
export type SeriesStyle = 'line' | 'points' | 'line+points';

/** One data series of a chart. */
export interface Series {
  /** Shown in the legend. */
  name: string;
  x: ArrayLike<number>;
  /** Same length as x. Non-finite values (and values <= 0 on a log axis) break the line. */
  y: ArrayLike<number>;
  /** Default 'line'. */
  style?: SeriesStyle;
  dashed?: boolean;
  /** '#rgb', '#rrggbb' or 'C0'..'C9'; default: the palette colour of the series' index (C0, C1, ...). */
  color?: string;
  /** Line width in pixels (default 2). */
  lineWidth?: number;
  /** Opacity 0-1 (default 1), for many overlapping curves. */
  alpha?: number;
}

/** A single chart. */
export interface ChartSpec {
  title?: string;
  /** What the x axis shows, e.g. 'time' or 'θ₁'. */
  xLabel?: string;
  yLabel?: string;
  /**
   * Unit of the x axis, shown after its label in parentheses: 'time (s)'. It
   * is never cut off: a label too long for the axis is shortened before it.
   */
  xUnit?: string;
  yUnit?: string;
  /**
   * A categorical x axis: category i sits at x = i, labelled by its name
   * (the data's x values are indices, fractional ones allowed for jitter).
   * Not with logX.
   */
  xCategories?: readonly string[];
  yCategories?: readonly string[];
  /** Pixels, default 640. */
  width?: number;
  /** Pixels, default 400. */
  height?: number;
  logX?: boolean;
  logY?: boolean;
  /** Fixed axis limits [min, max]; default: the finite data with 5% padding. */
  xRange?: readonly [number, number];
  yRange?: readonly [number, number];
  series: readonly Series[];
  /** Default: shown when there are two or more series. */
  legend?: boolean;
}

/** Several charts laid out in a grid, row by row. */
export interface FigureSpec {
  /** Each panel's width and height come from the figure, not the panel. */
  panels: readonly ChartSpec[];
  /** Default: min(2, number of panels). */
  columns?: number;
  /** Default 480. */
  panelWidth?: number;
  /** Default 320. */
  panelHeight?: number;
  title?: string;
}

/** An array or typed array of numbers (NaN allowed: it marks a gap). */
class NumbersSchema extends Schema<ArrayLike<number>> {
  readonly expected = 'an array or typed array of numbers';
  protected get typeName() {
    return 'numbers';
  }
  protected check(value: unknown, path: string): ArrayLike<number> {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array)) {
      return value as unknown as ArrayLike<number>;
    }
    if (!Array.isArray(value)) this.fail(path, value);
    const bad = value.findIndex((v) => typeof v !== 'number');
    if (bad >= 0) throw new ConfigError(`${path}[${bad}]`, `${path}[${bad}] must be a number (NaN for a gap), got ${show(value[bad])}`);
    return value as number[];
  }
}

class ColorSchema extends Schema<Rgb> {
  readonly expected = COLOR_SYNTAX;
  protected get typeName() {
    return 'color';
  }
  protected check(value: unknown, path: string): Rgb {
    const rgb = typeof value === 'string' ? parseColor(value) : undefined;
    if (!rgb) this.fail(path, value);
    return rgb;
  }
}

const range = () => s.array(s.number(), { minLength: 2, maxLength: 2 }).optional();

const seriesSchema = s.object({
  name: s.string(),
  x: new NumbersSchema(),
  y: new NumbersSchema(),
  style: s.enum(['line', 'points', 'line+points'] as const).default('line'),
  dashed: s.boolean().default(false),
  color: new ColorSchema().optional(),
  lineWidth: s.number({ min: 1, max: 20 }).default(2),
  alpha: s.number({ gt: 0, max: 1 }).default(1),
});

const panelShape = {
  title: s.string().optional(),
  xLabel: s.string().optional(),
  yLabel: s.string().optional(),
  xUnit: s.string().optional(),
  yUnit: s.string().optional(),
  xCategories: s.array(s.string(), { minLength: 1 }).optional(),
  yCategories: s.array(s.string(), { minLength: 1 }).optional(),
  logX: s.boolean().default(false),
  logY: s.boolean().default(false),
  xRange: range(),
  yRange: range(),
  series: s.array(seriesSchema),
  legend: s.boolean().optional(),
};

const chartSchema = s.object({
  ...panelShape,
  width: s.integer({ min: 120, max: 4096 }).default(640),
  height: s.integer({ min: 90, max: 4096 }).default(400),
});

const figureSchema = s.object({
  panels: s.array(s.object(panelShape)),
  columns: s.integer({ min: 1, max: 32 }).optional(),
  panelWidth: s.integer({ min: 120, max: 4096 }).default(480),
  panelHeight: s.integer({ min: 90, max: 4096 }).default(320),
  title: s.string().optional(),
});

/** A validated chart with defaults filled in and colours parsed. */
export type ResolvedChart = Infer<typeof chartSchema>;
/** A validated series. */
export type ResolvedSeries = Infer<typeof seriesSchema>;
/** A validated figure; its panels take their size from the figure. */
export type ResolvedFigure = Omit<Infer<typeof figureSchema>, 'columns'> & { columns: number };

/** Validate a chart spec found at `path`; throws ConfigError naming the path. */
export function resolveChart(spec: unknown, path = 'chart'): ResolvedChart {
  const chart = chartSchema.parse(spec, path);
  checkPanel(chart, path);
  return chart;
}

/** Validate a figure spec found at `path`; throws ConfigError naming the path. */
export function resolveFigure(spec: unknown, path = 'figure'): ResolvedFigure {
  const figure = figureSchema.parse(spec, path);
  figure.panels.forEach((p, i) => checkPanel(p, `${path}.panels[${i}]`));
  const cells = figure.panels.length;
  const columns = figure.columns ?? Math.min(2, Math.max(1, cells));
  const rows = Math.max(1, Math.ceil(cells / columns));
  if (columns * figure.panelWidth > 16384 || rows * figure.panelHeight > 16384) {
    throw new ConfigError(path, `${path}: ${columns} x ${rows} panels of ${figure.panelWidth} x ${figure.panelHeight} exceed 16384 pixels on a side`);
  }
  return { ...figure, columns };
}

/** Checks that involve more than one field. */
function checkPanel(chart: Omit<ResolvedChart, 'width' | 'height'>, path: string): void {
  chart.series.forEach((series, i) => {
    if (series.x.length !== series.y.length) {
      const at = `${path}.series[${i}]`;
      throw new ConfigError(at, `${at}: x and y must have the same length, got ${series.x.length} and ${series.y.length}`);
    }
  });
  for (const axis of ['x', 'y'] as const) {
    const r = axis === 'x' ? chart.xRange : chart.yRange;
    const log = axis === 'x' ? chart.logX : chart.logY;
    const categories = axis === 'x' ? chart.xCategories : chart.yCategories;
    if (categories && log) {
      const at = `${path}.${axis}Categories`;
      throw new ConfigError(at, `${at}: a categorical axis cannot also be logarithmic (log${axis.toUpperCase()})`);
    }
    const at = `${path}.${axis}Range`;
    if (r && !(r[0]! < r[1]!)) throw new ConfigError(at, `${at} must be [min, max] with min < max, got ${show(r)}`);
    if (r && log && !(r[0]! > 0)) throw new ConfigError(at, `${at} must be positive on a log axis, got ${show(r)}`);
  }
}
