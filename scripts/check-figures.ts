/**
 * The render check of the SVG figures: draws a trajectory figure, a figure
 * on log axes (learning curves) and one on a categorical axis (a sweep's
 * objective), screenshots each in headless Chromium and checks the
 * screenshots (renderCheck in scripts/render/chromium.ts).
 *
 *   npx tsx scripts/check-figures.ts
 *
 * Exits 1 when a figure fails, 2 when no Chromium binary is found (install
 * Debian's `chromium`, or set CHROMIUM to the binary).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instantiateSystem } from 'odelab/plugin';
import { createRegistry, timeGrid } from 'odelab/node';
import { grid, loguniform } from '../core/config/space.ts';
import { sampleCurve } from '../core/eval/curve-samples.ts';
import { trajectoryPlot } from '../core/eval/mechanics-plots.ts';
import { parseColor } from '../core/eval/plot/index.ts';
import { learningCurvesPlot, objectivePlot } from '../core/sweep/report.ts';
import type { TrialRecord } from '../core/sweep/scheduler.ts';
import { findChromium, renderCheck } from './render/chromium.ts';

/** A held-out double-pendulum trajectory, the model 3% fast. */
function trajectoryFigure(): Uint8Array {
  const registry = createRegistry();
  const p = registry.get('system', 'double-pendulum');
  const system = instantiateSystem(p, p.options.parse({}, 'system') as never);
  const t = timeGrid(5, 101);
  const curve = (speed: number) => {
    const x = t.map((s) => Float64Array.from({ length: 4 }, (_, d) => Math.sin((d + 1) * speed * s)));
    const dxdt = t.map((s) => Float64Array.from({ length: 4 }, (_, d) => (d + 1) * speed * Math.cos((d + 1) * speed * s)));
    return sampleCurve(t, x, dxdt);
  };
  return trajectoryPlot([{ truth: curve(1), model: curve(1.03), heldOut: true, frames: t.length }], system);
}

/** Twelve trials of a made-up sweep: widths (categorical), learning rate (log-uniform), loss curves over three decades. */
function trials(): TrialRecord[] {
  const widths = [[32], [64, 64], [128, 128, 128]];
  return Array.from({ length: 12 }, (_, i) => {
    const lr = 10 ** (-4 + (2 * ((i * 7) % 12)) / 11);
    const objective = 0.05 + 0.1 * (Math.log10(lr) + 3) ** 2 + 0.04 * (i % 3);
    const curve = Array.from({ length: 40 }, (_, k): [number, number] => [25 * (k + 1), objective * 1000 ** (1 - k / 39)]);
    return { index: i, params: { 'model.hidden': widths[i % 3]!, 'train.lr': lr }, state: 'FINISHED', attempts: 1, runIds: [], curve, objective };
  });
}

const space = { 'model.hidden': grid([[32], [64, 64], [128, 128, 128]]), 'train.lr': loguniform(1e-4, 1e-2) };
const figures: Record<string, Uint8Array> = {
  'trajectory.svg': trajectoryFigure(),
  'learning-curves-log.svg': learningCurvesPlot(trials(), 'train_loss')!,
  'objective-categorical.svg': objectivePlot(trials(), space, 'eval_rollout_mae')!,
};

const chromium = findChromium();
if (!chromium) {
  console.error('check-figures: no chromium binary found (apt-get install chromium, or set CHROMIUM)');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'odelab-figures-'));
const c0 = parseColor('C0')!;
let failed = 0;
try {
  console.log(`chromium: ${chromium}`);
  for (const [name, bytes] of Object.entries(figures)) {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const text = new TextDecoder().decode(bytes);
    const width = Number(/<svg[^>]* width="(\d+)"/.exec(text)![1]);
    const height = Number(/<svg[^>]* height="(\d+)"/.exec(text)![1]);
    const r = renderCheck(chromium, file, width, height, [c0.r, c0.g, c0.b]);
    const verdict = r.problems.length ? `FAIL: ${r.problems.join('; ')}` : 'ok';
    console.log(
      `${name}: ${bytes.length} bytes, window ${width}x${height}, screenshot ${r.width}x${r.height}, ` +
        `${(100 * r.nonWhite).toFixed(1)}% non-white, ${(100 * r.seriesInk).toFixed(2)}% in the C0 colour, ${r.ms.toFixed(0)} ms: ${verdict}`,
    );
    if (r.problems.length) failed++;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
