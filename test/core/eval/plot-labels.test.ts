// Axis titles with units, categorical axes, and the characters physics labels need (q̇, θ₁) of core/eval/plot.
import test from 'ava';
import { ConfigError } from '../../../core/errors.ts';
import { lineChart, measureText, renderChart, type ChartSpec } from '../../../core/eval/plot/index.ts';
import { findAll, parseSvg, texts } from '../../helpers/svg.ts';

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
  // The tick labels are written: each name centred under its category's tick.
  const labels = findAll(parseSvg(renderChart(spec).svg).root, 'text').filter((el) => names.includes(el.text));
  t.deepEqual(labels.map((el) => el.text), names);
  labels.forEach((el, i) => {
    t.is(el.attrs['text-anchor'], 'middle');
    t.true(Math.abs(Number(el.attrs.x) - px[i]!) <= 0.5, `label under x = ${px[i]}`);
    t.true(Number(el.attrs.y) > layout.plot.y + layout.plot.height);
  });
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

test('physics labels (q̇₁, θ₁, q̈) are written as they are, for the viewer\'s font to set; combining dots take no room in the layout', (t) => {
  t.is(measureText('q\u03071').width, measureText('q1').width);
  t.is(measureText('q\u0308').width, measureText('q').width);
  const { root } = parseSvg(renderChart({ xLabel: 'q\u0307\u2081', xUnit: 'rad/s', yLabel: '\u03b8\u2081', title: 'q\u0308', series: [] }).svg);
  const shown = texts(root);
  t.true(shown.includes('q\u0307\u2081 (rad/s)'), shown.join(' | '));
  t.true(shown.includes('\u03b8\u2081'));
  t.true(shown.includes('q\u0308'));
  // The y title reads upwards: turned a quarter counter-clockwise about its anchor.
  const y = findAll(root, 'text').find((el) => el.text === '\u03b8\u2081')!;
  t.true(y.attrs.transform!.startsWith(`rotate(-90 ${y.attrs.x} `), y.attrs.transform);
});
