// A figure rendered by a browser engine: headless Chromium screenshots the SVG (scripts/render/chromium.ts) and the
// screenshot must be the window's size, with ink and the series' colour on it. Without a Chromium binary only the
// SVG's structure is checked, and the log says so: that is not a render check.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { figure, parseColor, type FigureSpec } from '../../../core/eval/plot/index.ts';
import { findChromium, renderCheck } from '../../../scripts/render/chromium.ts';
import { readPng } from '../../../scripts/render/png-read.ts';
import { byClass, drawnPoints, parseSvg, texts } from '../../helpers/svg.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const times = Array.from({ length: 400 }, (_, i) => i / 40);
const SPEC: FigureSpec = {
  title: 'held-out trajectory: model vs truth',
  panels: [
    {
      title: 'θ',
      xLabel: 't',
      xUnit: 's',
      yLabel: 'θ',
      yUnit: 'rad',
      series: [
        { name: 'truth', x: times, y: times.map((s) => Math.sin(s)), color: 'C0' },
        { name: 'model', x: times, y: times.map((s) => Math.sin(1.03 * s)), color: 'C1', dashed: true },
      ],
    },
    { title: 'loss', xLabel: 'step', logY: true, series: [{ name: 'train_loss', x: times, y: times.map((s) => Math.exp(-s)), color: 'C0' }] },
  ],
};

test('a two-panel figure renders in headless Chromium: the window-sized screenshot shows the axes and the series', async (t) => {
  const bytes = figure(SPEC);
  const { root, width, height } = parseSvg(bytes);
  t.is(byClass(root, 'panel').length, 2);
  t.deepEqual(byClass(root, 'series').map((g) => g.attrs.stroke), ['#4e79a7', '#f28e2b', '#4e79a7']);
  for (const label of ['held-out trajectory: model vs truth', 't (s)', 'θ (rad)', 'truth', 'model', 'step']) t.true(texts(root).includes(label), label);
  t.true(drawnPoints(root).every(([x, y]) => x >= 0 && x <= width && y >= 0 && y <= height));

  const chromium = findChromium();
  if (!chromium) {
    t.log('chromium is absent: only the SVG structure was checked; the figure was not rendered');
    return;
  }
  const file = join(await tempDir(t), 'figure.svg');
  writeFileSync(file, bytes);
  const c0 = parseColor('C0')!;
  const r = renderCheck(chromium, file, width, height, [c0.r, c0.g, c0.b]);
  t.log(`${chromium}: ${r.width}x${r.height}, ${(100 * r.nonWhite).toFixed(1)}% non-white, ${(100 * r.seriesInk).toFixed(2)}% in C0, ${r.ms.toFixed(0)} ms`);
  t.deepEqual(r.problems, []);
});

test('the screenshot reader undoes all five PNG filter types', (t) => {
  const [width, height, bpp] = [9, 10, 3];
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
  // The reader does not check CRCs (it reads what a local Chromium just wrote), so they are left zero here.
  const chunk = (type: string, body: Uint8Array) => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, 'latin1');
    out.set(body, 8);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const idat = deflateSync(raw);
  // Split over two IDAT chunks, as encoders may.
  const file = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat.subarray(0, 20)), chunk('IDAT', idat.subarray(20)), chunk('IEND', new Uint8Array(0))]);
  const img = readPng(file);
  t.deepEqual([img.width, img.height, img.channels], [width, height, 3]);
  t.deepEqual(img.data, data);
  t.throws(() => readPng(file.subarray(1)), { message: /not a PNG/ });
});
