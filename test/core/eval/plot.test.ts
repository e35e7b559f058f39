// The PNG charts of core/eval/plot: a valid PNG file, pixels where the axes mapping says, ticks, text, NaN and empty data.
import test from 'ava';
import { deflateSync } from 'node:zlib';
import { ConfigError } from '../../../core/errors.ts';
import {
  Canvas,
  crc32,
  decodePng,
  drawText,
  encodePng,
  figure,
  formatLinearTicks,
  hasGlyph,
  lineChart,
  linearTicks,
  logTicks,
  measureText,
  parseColor,
  readPngChunks,
  renderChart,
  renderFigure,
  type ChartSpec,
  type RasterImage,
  type Rgb,
} from '../../../core/eval/plot/index.ts';

const WHITE: Rgb = { r: 255, g: 255, b: 255 };
const C0 = parseColor('C0')!;
const GRID = { r: 232, g: 232, b: 232 };

function rgbAt(img: RasterImage, x: number, y: number): Rgb {
  const i = (y * img.width + x) * img.channels;
  return { r: img.data[i]!, g: img.data[i + 1]!, b: img.data[i + 2]! };
}
const near = (a: Rgb, b: Rgb, tol = 12) => Math.abs(a.r - b.r) <= tol && Math.abs(a.g - b.g) <= tol && Math.abs(a.b - b.b) <= tol;

/** A chart whose data area spans exactly [0, 1] x [-1, 1]. */
function knownRange(series: ChartSpec['series'], extra: Partial<ChartSpec> = {}): ChartSpec {
  return { width: 400, height: 300, xRange: [0, 1], yRange: [-1, 1], series, ...extra };
}

// --- PNG ---------------------------------------------------------------------------------------

test('crc32 matches the standard check value and the constant CRC of IEND', (t) => {
  t.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  t.is(crc32(new TextEncoder().encode('IEND')), 0xae426082);
});

test('a chart is a valid PNG: signature, IHDR first, IEND last, every CRC right, decoded size as requested', (t) => {
  for (const [width, height] of [[640, 400], [333, 217]] as const) {
    const png = lineChart({ width, height, series: [{ name: 'a', x: [0, 1, 2], y: [1, 3, 2] }] });
    t.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const chunks = readPngChunks(png);
    t.deepEqual(chunks.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
    t.true(chunks.every((c) => c.crcOk));
    const img = decodePng(png);
    t.is(img.width, width);
    t.is(img.height, height);
    t.is(img.data.length, width * height * img.channels);
  }
});

test('a corrupted byte is caught by the chunk CRC', (t) => {
  const png = lineChart({ width: 200, height: 150, series: [] });
  png[40] ^= 0xff; // inside the IDAT data
  t.false(readPngChunks(png).every((c) => c.crcOk));
  t.throws(() => decodePng(png), { instanceOf: ConfigError, message: /CRC mismatch/ });
});

test('RGB and RGBA images round-trip through encodePng and decodePng', (t) => {
  for (const channels of [3, 4] as const) {
    const data = Uint8Array.from({ length: 37 * 23 * channels }, (_, i) => (i * 7919) % 251);
    const back = decodePng(encodePng({ width: 37, height: 23, channels, data }));
    t.is(back.channels, channels);
    t.deepEqual(back.data, data);
  }
});

test('the decoder undoes all five PNG filter types', (t) => {
  const width = 9;
  const height = 10;
  const bpp = 3;
  const data = Uint8Array.from({ length: width * height * bpp }, (_, i) => (i * 131 + (i >> 4) * 17) % 256);
  const stride = width * bpp;
  const raw = new Uint8Array(height * (stride + 1));
  const paeth = (a: number, b: number, c: number) => {
    const p = a + b - c;
    const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  };
  for (let y = 0; y < height; y++) {
    const type = y % 5;
    raw[y * (stride + 1)] = type;
    for (let i = 0; i < stride; i++) {
      const at = (dy: number, di: number) => (y + dy >= 0 && i + di >= 0 ? data[(y + dy) * stride + i + di]! : 0);
      const [a, b, c] = [at(0, -bpp), at(-1, 0), at(-1, -bpp)];
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][type]!;
      raw[y * (stride + 1) + 1 + i] = (data[y * stride + i]! - pred) & 0xff;
    }
  }
  // Splice our own IDAT into a PNG from the encoder: same IHDR, new IDAT and its CRC.
  const png = encodePng({ width, height, channels: 3, data: new Uint8Array(stride * height) });
  const [ihdr, , iend] = readPngChunks(png);
  const idat = deflateSync(raw);
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, body.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(body, 8);
    view.setUint32(8 + body.length, crc32(new TextEncoder().encode(type), body));
    return out;
  };
  const file = Buffer.concat([png.subarray(0, 8), chunk('IHDR', ihdr!.data), chunk('IDAT', idat), chunk('IEND', iend!.data)]);
  t.deepEqual(decodePng(file).data, data);
});

test('encodePng rejects a buffer of the wrong size', (t) => {
  t.throws(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) }), { instanceOf: ConfigError, message: /png\.data must hold .* 12 bytes, got 11/ });
});

// --- where the pixels go -------------------------------------------------------------------------

test('a horizontal series at y = 0 paints the row the axis mapping predicts, and only that row', (t) => {
  const spec = knownRange([{ name: 'zero', x: [0, 1], y: [0, 0] }]);
  const { layout } = renderChart(spec);
  const img = decodePng(lineChart(spec));
  const { plot } = layout;
  // The frame occupies the outermost pixels of the plot area; the range maps onto the centres of the first and last.
  const lineY = plot.y + 0.5 + (plot.height - 1) / 2;
  t.is(layout.y.toPixel(0), lineY);
  const row = Math.round(lineY - 0.5);
  for (let x = plot.x + 2; x < plot.x + plot.width - 2; x++) t.true(near(rgbAt(img, x, row), C0), `pixel (${x}, ${row})`);
  const column = Math.round(layout.x.toPixel(0.3)); // between the grid lines at 0.2 and 0.4
  for (let y = plot.y + 1; y < plot.y + plot.height - 1; y++) {
    const c = rgbAt(img, column, y);
    if (Math.abs(y + 0.5 - lineY) < 1.5) t.false(near(c, WHITE, 40), `row ${y} should carry the line`);
    else t.true(near(c, WHITE, 0) || near(c, GRID, 0), `row ${y} should be background, got ${JSON.stringify(c)}`);
  }
});

test('the PNG holds exactly the pixels renderChart drew', (t) => {
  const spec = knownRange([{ name: 'a', x: [0, 0.5, 1], y: [-1, 1, 0] }], { title: 'T', xLabel: 'x', yLabel: 'y' });
  t.deepEqual(decodePng(lineChart(spec)).data, renderChart(spec).canvas.data);
});

test('series colours default to the palette in order and accept #rgb, #rrggbb and C<n>', (t) => {
  const spec = knownRange([
    { name: 'a', x: [0, 1], y: [0.5, 0.5] },
    { name: 'b', x: [0, 1], y: [-0.5, -0.5] },
    { name: 'c', x: [0, 1], y: [0, 0], color: '#0f0' },
  ], { legend: false });
  const { canvas, layout } = renderChart(spec);
  const x = Math.round(layout.x.toPixel(0.3));
  const at = (v: number) => canvas.pixel(x, Math.round(layout.y.toPixel(v) - 0.5));
  t.true(near(at(0.5), parseColor('C0')!));
  t.true(near(at(-0.5), parseColor('C1')!));
  t.true(near(at(0), { r: 0, g: 255, b: 0 }));
});

test('a dashed line leaves gaps along its row', (t) => {
  const { canvas, layout } = renderChart(knownRange([{ name: 'd', x: [0, 1], y: [0.3, 0.3], dashed: true }]));
  const row = Math.round(layout.y.toPixel(0.3) - 0.5);
  let painted = 0;
  let blank = 0;
  for (let x = layout.plot.x + 2; x < layout.plot.x + layout.plot.width - 2; x++) {
    const c = canvas.pixel(x, row);
    if (near(c, C0, 20)) painted++;
    else if (near(c, WHITE, 0) || near(c, GRID, 0)) blank++;
  }
  t.true(painted > 50 && blank > 30, `painted ${painted}, blank ${blank}`);
});

// --- NaN, Infinity and empty data ---------------------------------------------------------------

test('NaN and Infinity break a line instead of drawing through them', (t) => {
  const x = [0, 1, 2, 3, 4, 5, 6];
  for (const bad of [NaN, Infinity, -Infinity]) {
    const spec: ChartSpec = { width: 400, height: 300, xRange: [0, 6], yRange: [-0.7, 1.3], legend: false, series: [{ name: 's', x, y: [0.3, 0.3, 0.3, bad, 0.3, 0.3, 0.3] }] };
    const { canvas, layout } = renderChart(spec);
    const row = Math.round(layout.y.toPixel(0.3) - 0.5);
    t.true(near(canvas.pixel(Math.round(layout.x.toPixel(1.5)), row), C0), `drawn before ${bad}`);
    t.true(near(canvas.pixel(Math.round(layout.x.toPixel(4.5)), row), C0), `drawn after ${bad}`);
    for (const gap of [2.5, 3.5]) t.true(near(canvas.pixel(Math.round(layout.x.toPixel(gap)), row), WHITE, 0), `gap at x = ${gap} around ${bad}`);
  }
});

test('a line point with no finite neighbour is drawn as a marker, not lost', (t) => {
  const { canvas, layout } = renderChart(knownRange([{ name: 's', x: [0.1, 0.3, 0.5, 0.7, 0.9], y: [NaN, NaN, 0.3, NaN, NaN] }]));
  const cx = Math.floor(layout.x.toPixel(0.5));
  const cy = Math.floor(layout.y.toPixel(0.3));
  let painted = 0;
  for (let y = cy - 3; y <= cy + 3; y++) for (let x = cx - 3; x <= cx + 3; x++) if (near(canvas.pixel(x, y), C0, 20)) painted++;
  t.true(painted >= 12, `${painted} pixels`);
});

test('automatic ranges ignore non-finite values', (t) => {
  const { layout } = renderChart({ series: [{ name: 's', x: [0, 1, 2, NaN, 4], y: [1, Infinity, 3, 100, -1] }] });
  // Finite points: (0,1), (2,3), (4,-1): 5% padding on each side.
  t.deepEqual([layout.x.min, layout.x.max], [-0.2, 4.2]);
  t.is(layout.y.min, -1.2);
  t.is(layout.y.max, 3.2);
});

test('empty and all-non-finite data still give a valid PNG that says "no data"', (t) => {
  const specs: ChartSpec[] = [
    { series: [] },
    { series: [{ name: 'empty', x: [], y: [] }] },
    { series: [{ name: 'nan', x: [NaN, 1], y: [2, NaN] }], title: 'nothing to see' },
    { logY: true, series: [{ name: 'non-positive on a log axis', x: [1, 2, 3], y: [0, -1, -5] }] },
    { logX: true, logY: true, series: [{ name: 'all', x: new Float64Array(3).fill(NaN), y: new Float64Array(3) }] },
  ];
  for (const spec of specs) {
    const png = lineChart(spec);
    t.true(readPngChunks(png).every((c) => c.crcOk));
    const { layout, canvas } = renderChart(spec);
    t.false(layout.hasData);
    // The note sits in the middle of the plot area.
    const { plot } = layout;
    let ink = 0;
    for (let y = plot.y + plot.height / 2 - 10; y < plot.y + plot.height / 2 + 10; y++) {
      for (let x = plot.x + plot.width / 2 - 40; x < plot.x + plot.width / 2 + 40; x++) if (!near(canvas.pixel(x, y), WHITE, 0) && !near(canvas.pixel(x, y), GRID, 0)) ink++;
    }
    t.true(ink > 20, `"no data" drawn for ${JSON.stringify(spec.series.map((s) => s.name))}`);
  }
});

test('extreme values give a chart, not a hang or a throw', (t) => {
  for (const y of [[0, 5e-324], [1e308, -1e308], [1e-320, 1e-320], [3, 3], [1e16, 1e16 + 2]]) {
    const { layout } = renderChart({ width: 200, height: 150, series: [{ name: 's', x: [0, 1], y }] });
    t.true(layout.hasData && layout.y.min < layout.y.max, JSON.stringify(y));
  }
});

test('points far outside a fixed range are clipped quickly, dashed or not', (t) => {
  const start = performance.now();
  for (const dashed of [false, true]) {
    const { layout } = renderChart(knownRange([{ name: 'far', x: [0.5, 1e300, -1e300, 0.5], y: [0, 1e300, 5, -1e200], dashed }]));
    t.true(layout.hasData);
  }
  t.true(performance.now() - start < 2000);
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

function inkIn(canvas: Canvas, box: { x: number; y: number; width: number; height: number }): { inside: number; outside: number } {
  let inside = 0;
  let outside = 0;
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) {
      if (near(canvas.pixel(x, y), WHITE, 0)) continue;
      if (x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height) inside++;
      else outside++;
    }
  }
  return { inside, outside };
}

test('text draws inside the box it reports, horizontally and vertically, at whole and fractional scales', (t) => {
  for (const vertical of [false, true]) {
    for (const scale of [1, 2, 1.5]) {
      const canvas = new Canvas(200, 200, WHITE);
      const box = drawText(canvas, 'Total E0 (kJ)', 100, 100, { color: { r: 0, g: 0, b: 0 }, scale, align: 'center', baseline: 'middle', vertical });
      const grow = Math.ceil(scale) + 1; // anti-aliased edges of a fractional scale
      const { inside, outside } = inkIn(canvas, { x: box.x - grow, y: box.y - grow, width: box.width + 2 * grow, height: box.height + 2 * grow });
      t.true(inside > 30 * scale * scale, `ink inside (vertical ${vertical}, scale ${scale})`);
      t.is(outside, 0);
      t.is(vertical ? box.height : box.width, measureText('Total E0 (kJ)', scale).width);
    }
  }
});

test('descenders reach below the baseline; unknown characters draw as a box', (t) => {
  const canvas = new Canvas(40, 20, WHITE);
  const box = drawText(canvas, 'gy', 2, 2, { color: { r: 0, g: 0, b: 0 } });
  t.true(inkIn(canvas, box).outside > 0);
  t.true(hasGlyph('θ') && hasGlyph('ω') && hasGlyph('·') && hasGlyph('~'));
  t.false(hasGlyph('€'));
  const boxed = new Canvas(20, 20, WHITE);
  drawText(boxed, '€', 2, 2, { color: { r: 0, g: 0, b: 0 } });
  t.is(inkIn(boxed, { x: 0, y: 0, width: 20, height: 20 }).inside, 5 * 2 + 5 * 2); // the outline of a 5 x 7 box
});

// --- decorations, figures, validation -----------------------------------------------------------

test('the legend is shown for two or more series, inside the plot area, and can be turned off', (t) => {
  const two = knownRange([
    { name: 'truth', x: [0, 1], y: [-0.9, -0.9] },
    { name: 'model', x: [0, 1], y: [-0.8, -0.8], style: 'line+points' },
  ]);
  const { layout } = renderChart(two);
  const legend = layout.legend!;
  t.truthy(legend);
  t.true(legend.x > layout.plot.x && legend.x + legend.width < layout.plot.x + layout.plot.width);
  t.true(legend.y < layout.plot.y + layout.plot.height / 2, 'upper corner: the data are at the bottom');
  t.is(renderChart({ ...two, legend: false }).layout.legend, undefined);
  t.is(renderChart(knownRange([{ name: 'one', x: [0], y: [0] }])).layout.legend, undefined);
});

test('a figure lays out panels in a grid under its title', (t) => {
  const panel = (n: number): ChartSpec => ({ title: `panel ${n}`, series: [{ name: 's', x: [0, 1], y: [n, n + 1] }] });
  const { canvas, panels } = renderFigure({ panels: [panel(0), panel(1), panel(2)], columns: 2, panelWidth: 200, panelHeight: 150, title: 'Figure' });
  t.is(canvas.width, 400);
  t.true(canvas.height > 300 && canvas.height < 360);
  t.deepEqual(panels.map((p) => [p.x, p.y - panels[0]!.y]), [[0, 0], [200, 0], [0, 150]]);
  const img = decodePng(figure({ panels: [panel(0), panel(1), panel(2)], columns: 3, panelWidth: 200, panelHeight: 150 }));
  t.deepEqual([img.width, img.height], [600, 150]);
  const empty = decodePng(figure({ panels: [] }));
  t.deepEqual([empty.width, empty.height], [480, 320]);
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

