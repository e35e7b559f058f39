// Axis titles with units, categorical axes, and the glyphs physics labels need (q̇, θ₁) of core/eval/plot.
import test from 'ava';
import { ConfigError } from '../../../core/errors.ts';
import { Canvas, drawText, hasGlyph, lineChart, measureText, renderChart, type ChartSpec, type Rgb } from '../../../core/eval/plot/index.ts';

const WHITE: Rgb = { r: 255, g: 255, b: 255 };
const near = (a: Rgb, b: Rgb, tol = 12) => Math.abs(a.r - b.r) <= tol && Math.abs(a.g - b.g) <= tol && Math.abs(a.b - b.b) <= tol;

// --- units and categories -----------------------------------------------------------------------

test('axis titles carry the unit in parentheses, and a label too long for the axis is shortened before the unit', (t) => {
  const { layout } = renderChart({ width: 400, height: 300, xLabel: 'time', xUnit: 's', yLabel: 'θ₁', yUnit: 'rad', series: [{ name: 's', x: [0, 1], y: [0, 1] }] });
  t.is(layout.xTitle, 'time (s)');
  t.is(layout.yTitle, 'θ₁ (rad)');
  const long = 'mean |E_model − E_true| over forty starts of the energy metric';
  const narrow = renderChart({ width: 200, height: 150, yLabel: long, yUnit: '% of max|V|', series: [] }).layout;
  t.true(narrow.yTitle!.endsWith('.. (% of max|V|)'), narrow.yTitle);
  t.true(measureText(narrow.yTitle!).width <= narrow.plot.height);
  // Without a label the unit alone is the title; without either there is none.
  t.is(renderChart({ xUnit: 'm', series: [] }).layout.xTitle, '(m)');
  t.is(renderChart({ series: [] }).layout.xTitle, undefined);
});

test('a unit alone reserves the room of an axis title: the plot area is the same as with a label', (t) => {
  const labelled = renderChart({ xLabel: 'x', yLabel: 'y', series: [] }).layout.plot;
  const unitOnly = renderChart({ xUnit: 'm', yUnit: 'm', series: [] }).layout.plot;
  t.deepEqual(unitOnly, labelled);
  t.true(renderChart({ series: [] }).layout.plot.height > labelled.height);
});

test('a categorical x axis has one tick per category, at its index, labelled by its name', (t) => {
  const names = ['[32]', '[64,64]', '[128,128,128]'];
  const spec: ChartSpec = { width: 480, height: 320, xCategories: names, series: [{ name: 'trials', x: [0, 1, 1.1, 2], y: [3, 1, 2, 4], style: 'points' }] };
  const { layout } = renderChart(spec);
  t.deepEqual(layout.x.ticks.major, [0, 1, 2]);
  t.deepEqual(layout.x.ticks.labels, names);
  t.deepEqual(layout.x.ticks.minor, []);
  // Half a category of room beyond the first and the last.
  t.deepEqual([layout.x.min, layout.x.max], [-0.5, 2.5]);
  const px = [0, 1, 2].map((v) => layout.x.toPixel(v));
  t.true(Math.abs(px[1]! - px[0]! - (px[2]! - px[1]!)) < 1e-9, 'categories evenly spaced');
  t.is(layout.y.ticks.labels.every((l) => /^[0-9.]+$/.test(l)), true, 'the y axis stays numeric');
  // The tick labels are drawn: ink under each category's tick.
  const { canvas } = renderChart(spec);
  const below = layout.plot.y + layout.plot.height + 6;
  for (const v of px) {
    let ink = 0;
    for (let y = below; y < below + 14; y++) for (let x = Math.round(v) - 12; x <= Math.round(v) + 12; x++) if (!near(canvas.pixel(x, y), WHITE, 0)) ink++;
    t.true(ink > 10, `label under x = ${v}`);
  }
});

test('category names longer than their share of the axis are shortened, never overlapping', (t) => {
  const names = Array.from({ length: 8 }, (_, i) => `{"name":"adam","lr":${i},"beta":0.9}`);
  const { layout } = renderChart({ width: 400, height: 300, xCategories: names, series: [] });
  const { major, labels } = layout.x.ticks;
  t.true(labels.every((l) => l.endsWith('..')));
  for (let i = 1; i < major.length; i++) {
    const gap = layout.x.toPixel(major[i]!) - layout.x.toPixel(major[i - 1]!);
    t.true(gap > (measureText(labels[i]!).width + measureText(labels[i - 1]!).width) / 2, `labels ${i - 1} and ${i}`);
  }
});

test('a categorical y axis labels its categories on the left and leaves room for them', (t) => {
  const { layout } = renderChart({ width: 400, height: 300, yCategories: ['tanh', 'softplus'], series: [{ name: 's', x: [1, 2], y: [0, 1], style: 'points' }] });
  t.deepEqual(layout.y.ticks.labels, ['tanh', 'softplus']);
  t.true(layout.plot.x > measureText('softplus').width);
});

test('a categorical axis cannot be logarithmic', (t) => {
  const e = t.throws(() => lineChart({ xCategories: ['a', 'b'], logX: true, series: [] }), { instanceOf: ConfigError });
  t.is(e?.path, 'chart.xCategories');
});

test('combining dots sit over the letter before them and take no room; subscript digits drop below the baseline', (t) => {
  t.is(measureText('q\u03071').width, measureText('q1').width);
  t.true(hasGlyph('\u0307') && hasGlyph('\u0308') && hasGlyph('₁') && hasGlyph('₉'));
  const ink = (text: string) => {
    const canvas = new Canvas(40, 24, WHITE);
    drawText(canvas, text, 4, 8, { color: { r: 0, g: 0, b: 0 } });
    const rows: number[] = [];
    for (let y = 0; y < 24; y++) for (let x = 0; x < 40; x++) if (!near(canvas.pixel(x, y), WHITE, 0)) rows.push(y);
    return { top: Math.min(...rows), bottom: Math.max(...rows), count: rows.length };
  };
  // q̇: one more pixel than q, above q's x-height (q's ink starts 2 rows below the cap line at y = 8).
  t.is(ink('q\u0307').count, ink('q').count + 1);
  t.is(ink('q\u0307').top, 8);
  t.is(ink('q').top, 10);
  // θ̇: θ fills the cap height, so the dot goes two rows above it.
  t.is(ink('θ\u0307').top, 6);
  t.is(ink('q\u0308').count, ink('q').count + 2);
  // ₁ hangs from row 4 to the descender line (8 rows below the cap line).
  t.deepEqual([ink('₁').top, ink('₁').bottom], [12, 16]);
});
