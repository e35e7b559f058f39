// The SVG charts of core/eval/plot: well-formed SVG, paths where the axes mapping says, ticks, text, NaN and empty data.
import test from 'ava';
import { ConfigError } from '../../../core/errors.ts';
import {
  figure,
  formatLinearTicks,
  hex,
  lineChart,
  linearTicks,
  logTicks,
  measureText,
  parseColor,
  renderChart,
  renderFigure,
  type ChartLayout,
  type ChartSpec,
} from '../../../core/eval/plot/index.ts';
import { byClass, drawnPoints, findAll, parseSvg, parseXml, pathPieces, texts, type XmlElement } from '../../helpers/svg.ts';

/** A chart whose data area spans exactly [0, 1] x [-1, 1]. */
function knownRange(series: ChartSpec['series'], extra: Partial<ChartSpec> = {}): ChartSpec {
  return { width: 400, height: 300, xRange: [0, 1], yRange: [-1, 1], series, ...extra };
}

/** The chart drawn, its SVG parsed, and its series groups. */
function draw(spec: ChartSpec): { layout: ChartLayout; root: XmlElement; series: XmlElement[]; svg: string } {
  const { svg, layout } = renderChart(spec);
  const { root } = parseSvg(svg);
  return { layout, root, series: byClass(root, 'series'), svg };
}

/** The line pieces of a series group (not its markers). */
function linePieces(group: XmlElement): [number, number][][] {
  return findAll(group, 'path').filter((p) => !p.attrs.d!.includes('h0')).flatMap((p) => pathPieces(p.attrs.d!));
}

/** The dot centres of a series group. */
function dots(group: XmlElement): [number, number][] {
  return findAll(group, 'path').filter((p) => p.attrs.d!.includes('h0')).flatMap((p) => pathPieces(p.attrs.d!).map((piece) => piece[0]!));
}

const inside = (p: readonly [number, number], r: { x: number; y: number; width: number; height: number }, slack = 1e-9) =>
  p[0] >= r.x - slack && p[0] <= r.x + r.width + slack && p[1] >= r.y - slack && p[1] <= r.y + r.height + slack;

// --- the SVG file -------------------------------------------------------------------------------

test('a chart is well-formed SVG of the requested size, every coordinate finite and inside its viewBox', (t) => {
  for (const [width, height] of [[640, 400], [333, 217]] as const) {
    const bytes = lineChart({ width, height, title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', x: [0, 1, 2], y: [1, 3, 2] }, { name: 'b', x: [0, 2], y: [0, 5] }] });
    const svg = parseSvg(bytes);
    t.deepEqual([svg.width, svg.height], [width, height]);
    const points = drawnPoints(svg.root);
    t.true(points.length > 20);
    for (const p of points) t.true(Number.isFinite(p[0]) && Number.isFinite(p[1]) && inside(p, { x: 0, y: 0, width, height }), JSON.stringify(p));
  }
});

test('the XML check used here rejects what a strict parser rejects', (t) => {
  t.notThrows(() => parseXml('<?xml version="1.0"?>\n<a b="1 &amp; 2"><c/>x &lt; y &#x3b8;</a>\n'));
  for (const bad of ['<a><b></a></b>', '<a b=1/>', '<a b="1" b="2"/>', '<a>x < y</a>', '<a>x & y</a>', '<a>&nbsp;</a>', '<a b="<"/>', '<a/><b/>', '<a>']) {
    t.throws(() => parseXml(bad), { message: /malformed XML/ }, bad);
  }
});

test('text is escaped: markup, quotes, ampersands and control characters in titles, names and labels come back as written', (t) => {
  const nasty = 'a <b> & "c" \'d\' </svg>';
  const { root } = draw({ title: nasty, xLabel: '&amp;', yLabel: 'θ₁ < 0', series: [{ name: nasty, x: [0], y: [0] }, { name: 'bell\u0007', x: [1], y: [1] }] });
  const shown = texts(root);
  t.true(shown.includes(nasty), 'title');
  t.true(shown.includes('&amp;'), 'x label, its & escaped rather than taken for an entity');
  t.true(shown.includes('θ₁ < 0'));
  t.is(shown.filter((s) => s === nasty).length, 2, 'title and legend entry');
  t.true(shown.includes('bell\ufffd'), 'a character XML cannot hold is replaced, not written raw');
});

test('numbers are written with at most two decimals, and a long series stays small', (t) => {
  const x = Array.from({ length: 2000 }, (_, i) => i / 1999);
  const { svg } = draw(knownRange([{ name: 's', x, y: x.map((v) => Math.sin(7 * v) * 0.9) }]));
  t.deepEqual(svg.match(/\d\.\d{3,}/g), null);
  // 2000 points across a 400-pixel chart: at ~10 bytes a vertex, well under the 40 KB of writing each in full.
  t.true(svg.length < 25_000, `${svg.length} bytes`);
});

// --- where the paths go -------------------------------------------------------------------------

test('a horizontal series at y = 0 is one line along the row the axis mapping predicts, across the plot area', (t) => {
  const { layout, series } = draw(knownRange([{ name: 'zero', x: [0, 1], y: [0, 0] }]));
  const { plot } = layout;
  // The frame occupies the outermost pixels of the plot area; the range maps onto the centres of the first and last.
  const lineY = plot.y + 0.5 + (plot.height - 1) / 2;
  t.is(layout.y.toPixel(0), lineY);
  t.is(series.length, 1);
  const pieces = linePieces(series[0]!);
  t.is(pieces.length, 1);
  t.deepEqual(pieces[0], [[plot.x + 0.5, Math.round(lineY * 10) / 10], [plot.x + plot.width - 0.5, Math.round(lineY * 10) / 10]]);
});

test('each vertex of a curve sits where the axis mapping puts its data point', (t) => {
  const xs = [0, 0.25, 0.5, 0.75, 1];
  const ys = [-1, 0.5, 0, -0.25, 1];
  const { layout, series } = draw(knownRange([{ name: 'c', x: xs, y: ys }]));
  const [piece] = linePieces(series[0]!);
  t.is(piece!.length, 5);
  piece!.forEach(([px, py], i) => {
    t.true(Math.abs(px - layout.x.toPixel(xs[i]!)) <= 0.051 * (i + 1), `x of point ${i}`);
    t.true(Math.abs(py - layout.y.toPixel(ys[i]!)) <= 0.051 * (i + 1), `y of point ${i}`);
  });
});

test('one group per series; colours default to the palette in order and accept #rgb, #rrggbb and C<n>', (t) => {
  const { series } = draw(knownRange([
    { name: 'a', x: [0, 1], y: [0.5, 0.5] },
    { name: 'b', x: [0, 1], y: [-0.5, -0.5] },
    { name: 'c', x: [0, 1], y: [0, 0], color: '#0f0' },
    { name: 'd', x: [0, 1], y: [0, 0], color: 'C5', alpha: 0.3, lineWidth: 3 },
  ], { legend: false }));
  t.deepEqual(series.map((g) => g.attrs.stroke), [hex(parseColor('C0')!), hex(parseColor('C1')!), '#00ff00', hex(parseColor('C5')!)]);
  t.deepEqual(series.map((g) => g.attrs['stroke-opacity']), [undefined, undefined, undefined, '0.3']);
  t.is(series[3]!.attrs['stroke-width'], '3');
});

test('a dashed line has a dash pattern, a solid one none; markers of a dashed line+points series are not dashed', (t) => {
  const { series } = draw(knownRange([
    { name: 'd', x: [0, 1], y: [0.3, 0.3], dashed: true, style: 'line+points' },
    { name: 's', x: [0, 1], y: [0.6, 0.6] },
  ], { legend: false }));
  t.regex(series[0]!.attrs['stroke-dasharray'] ?? '', /^[\d.]+ [\d.]+$/);
  t.false('stroke-dasharray' in series[1]!.attrs);
  const markers = findAll(series[0]!, 'path').find((p) => p.attrs.d!.includes('h0'))!;
  t.is(markers.attrs['stroke-dasharray'], 'none');
  t.is(dots(series[0]!).length, 2);
});

// --- NaN, Infinity and empty data ---------------------------------------------------------------

test('NaN and Infinity break a line instead of drawing through them', (t) => {
  const x = [0, 1, 2, 3, 4, 5, 6];
  for (const bad of [NaN, Infinity, -Infinity]) {
    const spec: ChartSpec = { width: 400, height: 300, xRange: [0, 6], yRange: [-0.7, 1.3], legend: false, series: [{ name: 's', x, y: [0.3, 0.3, 0.3, bad, 0.3, 0.3, 0.3] }] };
    const { layout, series } = draw(spec);
    const pieces = linePieces(series[0]!);
    t.is(pieces.length, 2, `two pieces around ${bad}`);
    const [left, right] = pieces.map((p) => p.map(([px]) => px));
    t.true(Math.max(...left!) <= layout.x.toPixel(2) + 0.05 && Math.min(...right!) >= layout.x.toPixel(4) - 0.05, `nothing drawn between x = 2 and 4 around ${bad}`);
  }
});

test('a line point with no finite neighbour is drawn as a marker, not lost', (t) => {
  const { layout, series } = draw(knownRange([{ name: 's', x: [0.1, 0.3, 0.5, 0.7, 0.9], y: [NaN, NaN, 0.3, NaN, NaN] }]));
  t.deepEqual(linePieces(series[0]!), []);
  const [dot] = dots(series[0]!);
  t.true(Math.abs(dot![0] - layout.x.toPixel(0.5)) < 0.051 && Math.abs(dot![1] - layout.y.toPixel(0.3)) < 0.051);
});

test('automatic ranges ignore non-finite values', (t) => {
  const { layout } = renderChart({ series: [{ name: 's', x: [0, 1, 2, NaN, 4], y: [1, Infinity, 3, 100, -1] }] });
  // Finite points: (0,1), (2,3), (4,-1): 5% padding on each side.
  t.deepEqual([layout.x.min, layout.x.max], [-0.2, 4.2]);
  t.is(layout.y.min, -1.2);
  t.is(layout.y.max, 3.2);
});

test('empty and all-non-finite data still give a well-formed SVG that says "no data" in the middle of the plot area', (t) => {
  const specs: ChartSpec[] = [
    { series: [] },
    { series: [{ name: 'empty', x: [], y: [] }] },
    { series: [{ name: 'nan', x: [NaN, 1], y: [2, NaN] }], title: 'nothing to see' },
    { logY: true, series: [{ name: 'non-positive on a log axis', x: [1, 2, 3], y: [0, -1, -5] }] },
    { logX: true, logY: true, series: [{ name: 'all', x: new Float64Array(3).fill(NaN), y: new Float64Array(3) }] },
  ];
  for (const spec of specs) {
    const { layout, root, series } = draw(spec);
    t.false(layout.hasData);
    t.is(series.length, spec.series.length);
    t.true(series.every((g) => findAll(g, 'path').length === 0), 'no series draws anything');
    const note = findAll(root, 'text').find((el) => el.text === 'no data');
    t.truthy(note, `"no data" for ${JSON.stringify(spec.series.map((s) => s.name))}`);
    t.is(Number(note!.attrs.x), layout.plot.x + layout.plot.width / 2);
  }
});

test('extreme values give a chart, not a hang or a throw, and nothing outside the viewBox', (t) => {
  for (const y of [[0, 5e-324], [1e308, -1e308], [1e-320, 1e-320], [3, 3], [1e16, 1e16 + 2]]) {
    const { layout, root } = draw({ width: 200, height: 150, series: [{ name: 's', x: [0, 1], y }] });
    t.true(layout.hasData && layout.y.min < layout.y.max, JSON.stringify(y));
    t.true(drawnPoints(root).every((p) => inside(p, { x: 0, y: 0, width: 200, height: 150 })), JSON.stringify(y));
  }
});

test('points far outside a fixed range are clipped to the plot area before they are written, dashed or not', (t) => {
  for (const dashed of [false, true]) {
    const { layout, series } = draw(knownRange([{ name: 'far', x: [0.5, 1e300, -1e300, 0.5], y: [0, 1e300, 5, -1e200], dashed }]));
    t.true(layout.hasData);
    const vertices = linePieces(series[0]!).flat();
    t.true(vertices.length >= 2);
    for (const v of vertices) t.true(inside(v, layout.plot, 0.051), JSON.stringify(v));
  }
});

// --- ticks --------------------------------------------------------------------------------------

test('linear ticks use 1-2-5 steps and come out as clean decimals', (t) => {
  t.deepEqual(linearTicks(0, 1, 6), { values: [0, 0.2, 0.4, 0.6, 0.8, 1], step: 0.2 });
  t.deepEqual(linearTicks(-3.2, 7.9, 8).values, [-2, 0, 2, 4, 6]);
  t.deepEqual(linearTicks(0, 0.3, 6).values, [0, 0.1, 0.2, 0.3]);
  t.deepEqual(linearTicks(0, 37, 8).values, [0, 10, 20, 30]);
  t.deepEqual(linearTicks(1e-5, 5e-4, 6).values, [1e-4, 2e-4, 3e-4, 4e-4, 5e-4]);
  t.deepEqual(linearTicks(1.52e6, 9.9e6, 3).values, [2e6, 4e6, 6e6, 8e6], 'a 5e6 step would leave one tick');
  t.deepEqual(linearTicks(1, 1, 5).values, []);
  t.deepEqual(linearTicks(NaN, 1, 5).values, []);
  t.deepEqual(linearTicks(0, 5e-324, 5).values, [], 'a subnormal span gives up instead of looping');
});

test('linear ticks: at least two, at most maxTicks unless that leaves one, inside the range, on a 1-2-5 step (200 random ranges)', (t) => {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 200; i++) {
    const scale = 10 ** (Math.floor(rand() * 20) - 10);
    const lo = (rand() - 0.5) * 10 * scale;
    const hi = lo + (0.01 + rand() * 10) * scale;
    const maxTicks = 3 + Math.floor(rand() * 8);
    const { values, step } = linearTicks(lo, hi, maxTicks);
    t.true(values.length >= 2, `${values.length} ticks on [${lo}, ${hi}]`);
    // More than maxTicks only when the next larger 1-2-5 step would leave fewer than two.
    const nextStep = step * ([1, 2, 5].find((m) => Math.abs(step / 10 ** Math.floor(Math.log10(step) + 1e-9) - m) < 1e-9) === 2 ? 2.5 : 2);
    if (values.length > maxTicks) t.true(Math.floor(hi / nextStep) - Math.ceil(lo / nextStep) + 1 < 2, `${values.length} ticks on [${lo}, ${hi}] with max ${maxTicks}`);
    t.true(values.every((v) => v >= lo - 1e-9 * Math.abs(step) && v <= hi + 1e-9 * Math.abs(step)));
    const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
    t.true([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9), `step ${step}`);
  }
});

test('tick labels: fixed decimals from the step, exponent form for tiny and huge magnitudes', (t) => {
  t.deepEqual(formatLinearTicks([0, 0.5, 1], 0.5), ['0.0', '0.5', '1.0']);
  t.deepEqual(formatLinearTicks([-1, 0, 1], 1), ['-1', '0', '1']);
  t.deepEqual(formatLinearTicks([0, 50000, 100000, 150000], 50000), ['0', '5e4', '1e5', '1.5e5']);
  t.deepEqual(formatLinearTicks([1e-4, 2.5e-4], 5e-5), ['1e-4', '2.5e-4']);
  t.deepEqual(formatLinearTicks([0, 0.001, 0.002], 0.001), ['0.000', '0.001', '0.002']);
  // Where exponent form would not be shorter, it is not used.
  t.deepEqual(formatLinearTicks([1000000, 1000002], 2), ['1000000', '1000002']);
  t.deepEqual(formatLinearTicks([-0.0000000001, 0.5], 0.5), ['0.0', '0.5']);
});

test('log ticks: decades, every n-th decade over wide ranges, 1-2-5 or linear over narrow ones', (t) => {
  const decades = logTicks(1e-3, 100, 8);
  t.deepEqual(decades.major, [0.001, 0.01, 0.1, 1, 10, 100]);
  t.true(decades.minor.includes(0.002) && decades.minor.includes(90) && decades.minor.length === 5 * 8);
  const wide = logTicks(1e-12, 1e3, 8);
  t.deepEqual(wide.major, [1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1, 100]);
  t.true(wide.minor.includes(1e-11));
  t.deepEqual(logTicks(0.5, 30, 6).major, [0.5, 1, 2, 5, 10, 20]);
  const narrow = logTicks(3, 4.5, 6);
  t.deepEqual(narrow.major, [3, 3.5, 4, 4.5]);
  t.is(narrow.linearStep, 0.5);
  t.deepEqual(logTicks(1e-300, 1e300, 8).major, [1e-300, 1e-200, 1e-100, 1, 1e100, 1e200, 1e300]);
  t.deepEqual(logTicks(0, 10, 5).major, []);
});

test('a log axis places its decades evenly and labels them in exponent form when tiny', (t) => {
  const y = [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5];
  const { layout } = renderChart({ logY: true, series: [{ name: 'loss', x: [0, 1, 2, 3, 4, 5], y }] });
  const { major, labels } = layout.y.ticks;
  t.deepEqual(major, [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
  t.deepEqual(labels, ['1e-5', '1e-4', '1e-3', '1e-2', '1e-1', '1e0']);
  const px = major.map((v) => layout.y.toPixel(v));
  const gaps = px.slice(1).map((p, i) => px[i]! - p);
  t.true(gaps.every((g) => Math.abs(g - gaps[0]!) < 1e-6 && g > 0));
});

test('log axes leave out values <= 0 instead of failing', (t) => {
  const { layout } = renderChart({ logX: true, series: [{ name: 's', x: [-1, 0, 1, 10, 100], y: [5, 5, 1, 2, 3] }] });
  t.true(layout.hasData);
  t.true(layout.x.min > 0 && layout.x.min < 1 && layout.x.max > 100);
  t.true(Number.isNaN(layout.x.toPixel(0)));
});

test('x tick labels never overlap, even for long labels on a narrow chart', (t) => {
  for (const [lo, hi] of [[0, 1.23456e7], [0.999, 1.001], [1000000, 1000010], [-5e-7, 5e-7]] as const) {
    const { layout } = renderChart({ width: 240, height: 160, xRange: [lo, hi], series: [] });
    const { major, labels } = layout.x.ticks;
    t.true(major.length >= 2);
    for (let i = 1; i < major.length; i++) {
      const gap = layout.x.toPixel(major[i]!) - layout.x.toPixel(major[i - 1]!);
      const need = (measureText(labels[i]!).width + measureText(labels[i - 1]!).width) / 2;
      t.true(gap > need, `labels ${labels[i - 1]} and ${labels[i]} on [${lo}, ${hi}]`);
    }
  }
});

// --- text ---------------------------------------------------------------------------------------

test('tick labels are written centred under their x tick and right-aligned beside their y tick', (t) => {
  // x labels 0 .. 100, y labels -1.0 .. 1.0: no label on both axes.
  const { layout, root } = draw(knownRange([{ name: 's', x: [0, 100], y: [0, 1] }], { xRange: [0, 100] }));
  const byText = new Map(findAll(root, 'text').map((el) => [el.text, el]));
  layout.x.ticks.labels.forEach((label, i) => {
    const el = byText.get(label)!;
    t.truthy(el, label);
    t.is(el.attrs['text-anchor'], 'middle');
    t.true(Math.abs(Number(el.attrs.x) - layout.x.toPixel(layout.x.ticks.major[i]!)) <= 0.5, label);
    t.true(Number(el.attrs.y) > layout.plot.y + layout.plot.height, `${label} below the plot area`);
  });
  const y0 = byText.get(layout.y.ticks.labels[0]!)!;
  t.is(y0.attrs['text-anchor'], 'end');
  t.true(Number(y0.attrs.x) < layout.plot.x);
});

test('estimated text widths grow with the text and the scale; combining marks take no room', (t) => {
  t.true(measureText('WWW').width > measureText('iii').width);
  t.is(measureText('Total E0', 2).width, 2 * measureText('Total E0').width);
  t.is(measureText('q\u0307').width, measureText('q').width);
  t.is(measureText('').width, 0);
});

// --- decorations, figures, validation -----------------------------------------------------------

test('the legend is shown for two or more series, inside the plot area, names and samples in it, and can be turned off', (t) => {
  const two = knownRange([
    { name: 'truth', x: [0, 1], y: [-0.9, -0.9] },
    { name: 'model', x: [0, 1], y: [-0.8, -0.8], style: 'line+points' },
  ]);
  const { layout, root } = draw(two);
  const legend = layout.legend!;
  t.truthy(legend);
  t.true(legend.x > layout.plot.x && legend.x + legend.width < layout.plot.x + layout.plot.width);
  t.true(legend.y < layout.plot.y + layout.plot.height / 2, 'upper corner: the data are at the bottom');
  const [group] = byClass(root, 'legend');
  t.deepEqual(texts(group!), ['truth', 'model']);
  t.is(findAll(group!, 'path').length, 3, 'two line samples and one marker');
  for (const p of drawnPoints(group!)) t.true(inside(p, legend, 0.51), JSON.stringify(p));
  t.is(byClass(draw({ ...two, legend: false }).root, 'legend').length, 0);
  t.is(renderChart(knownRange([{ name: 'one', x: [0], y: [0] }])).layout.legend, undefined);
});

test('a figure lays out panels in a grid under its title, each panel its own group with its own clip', (t) => {
  const panel = (n: number): ChartSpec => ({ title: `panel ${n}`, xLabel: `x${n}`, series: [{ name: 's', x: [0, 1], y: [n, n + 1] }] });
  const rendered = renderFigure({ panels: [panel(0), panel(1), panel(2)], columns: 2, panelWidth: 200, panelHeight: 150, title: 'Figure' });
  t.is(rendered.width, 400);
  t.true(rendered.height > 300 && rendered.height < 360);
  t.deepEqual(rendered.panels.map((p) => [p.x, p.y - rendered.panels[0]!.y]), [[0, 0], [200, 0], [0, 150]]);
  const { root, width, height } = parseSvg(rendered.svg);
  t.deepEqual([width, height], [rendered.width, rendered.height]);
  const groups = byClass(root, 'panel');
  t.deepEqual(groups.map((g) => g.attrs.transform), rendered.panels.map((p) => `translate(${p.x} ${p.y})`));
  groups.forEach((g, i) => t.true(texts(g).includes(`panel ${i}`) && texts(g).includes(`x${i}`), `panel ${i} titles`));
  t.true(texts(root).includes('Figure'));
  const ids = findAll(root, 'clipPath').map((c) => c.attrs.id);
  t.is(new Set(ids).size, 3);
  for (const p of drawnPoints(root)) t.true(inside(p, { x: 0, y: 0, width, height }), JSON.stringify(p));
  const wide = parseSvg(figure({ panels: [panel(0), panel(1), panel(2)], columns: 3, panelWidth: 200, panelHeight: 150 }));
  t.deepEqual([wide.width, wide.height], [600, 150]);
  const empty = parseSvg(figure({ panels: [] }));
  t.deepEqual([empty.width, empty.height], [480, 320]);
  t.true(texts(empty.root).includes('no data'));
});

test('malformed specs are ConfigErrors that name the field', (t) => {
  const bad = (spec: unknown, path: string, message: RegExp) => {
    const e = t.throws(() => lineChart(spec as ChartSpec), { instanceOf: ConfigError });
    t.is(e?.path, path);
    t.regex(e?.message ?? '', message);
  };
  bad({ series: [{ name: 's', x: [1, 2], y: [1] }] }, 'chart.series[0]', /x and y must have the same length, got 2 and 1/);
  bad({ series: [{ name: 's', x: [1], y: [1], color: 'blue' }] }, 'chart.series[0].color', /'#rgb', '#rrggbb' or a palette entry/);
  bad({ series: [], titl: 'x' }, 'chart.titl', /did you mean 'title'/);
  bad({ series: [], width: 10 }, 'chart.width', /integer >= 120/);
  bad({ series: [], xRange: [1, 1] }, 'chart.xRange', /min < max/);
  bad({ series: [], logY: true, yRange: [0, 1] }, 'chart.yRange', /positive on a log axis/);
  bad({ series: [{ name: 's', x: [1, '2'], y: [1, 2] }] }, 'chart.series[0].x[1]', /must be a number/);
  const e = t.throws(() => figure({ panels: [{ series: [], width: 100 } as ChartSpec] }), { instanceOf: ConfigError });
  t.is(e?.path, 'figure.panels[0].width');
});

