/**
 * Writes demo charts to scratch/ for a human to look at:
 *
 *   npx tsx scripts/plot-demo.ts
 *
 * scratch/plot-demo.png is a 3 x 2 figure of the kinds of plots runs log
 * (trajectories, phase portrait, energy error on a log axis, learning curves
 * of many trials, a sweep scatter on a log x axis, a chart without data);
 * scratch/plot-demo-chart.png is a single 640 x 400 chart of 4 series of
 * 1,000 points, whose rendering time (first call, then the median of 20) is printed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure, lineChart, type ChartSpec } from '../core/eval/plot/index.ts';

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'scratch');

/** A small deterministic generator so the demo looks the same every time. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Pendulum theta'' = -sin(theta) by RK4, and a "model" with a slightly wrong frequency. */
function pendulum(n: number, dt: number, k: number): { t: number[]; theta: number[]; omega: number[] } {
  const t = [0];
  const theta = [1.2];
  const omega = [0];
  const f = (q: number, p: number): [number, number] => [p, -k * Math.sin(q)];
  for (let i = 1; i < n; i++) {
    const q = theta[i - 1]!;
    const p = omega[i - 1]!;
    const a = f(q, p);
    const b = f(q + (dt / 2) * a[0], p + (dt / 2) * a[1]);
    const c = f(q + (dt / 2) * b[0], p + (dt / 2) * b[1]);
    const d = f(q + dt * c[0], p + dt * c[1]);
    theta.push(q + (dt / 6) * (a[0] + 2 * b[0] + 2 * c[0] + d[0]));
    omega.push(p + (dt / 6) * (a[1] + 2 * b[1] + 2 * c[1] + d[1]));
    t.push(i * dt);
  }
  return { t, theta, omega };
}

function demoPanels(): ChartSpec[] {
  const truth = pendulum(400, 0.05, 1);
  const model = pendulum(400, 0.05, 1.04);
  const energy = (q: number[], p: number[]) => q.map((qi, i) => 0.5 * p[i]! ** 2 + (1 - Math.cos(qi)));
  const e0 = energy(truth.theta, truth.omega)[0]!;
  const rand = lcg(7);
  const steps = Array.from({ length: 200 }, (_, i) => (i + 1) * 10);
  const trials = Array.from({ length: 12 }, (_, j) => {
    const rate = 0.002 + 0.004 * rand();
    const floor = 10 ** (-3 - 2 * rand());
    return steps.map((s) => floor + Math.exp(-rate * s) * (1 + 0.15 * (rand() - 0.5)));
  });
  const lrs = Array.from({ length: 40 }, () => 10 ** (-4 + 3 * rand()));
  const objective = lrs.map((lr) => (Math.log10(lr) + 2.3) ** 2 * 0.08 + 0.02 + 0.03 * rand());
  return [
    {
      title: 'Pendulum: model vs truth',
      xLabel: 't',
      yLabel: 'θ, ω',
      series: [
        { name: 'θ truth', x: truth.t, y: truth.theta },
        { name: 'θ model', x: model.t, y: model.theta, dashed: true, color: 'C0' },
        { name: 'ω truth', x: truth.t, y: truth.omega, color: 'C1' },
        { name: 'ω model', x: model.t, y: model.omega, dashed: true, color: 'C1' },
      ],
    },
    {
      title: 'Phase portrait',
      xLabel: 'θ',
      yLabel: 'ω',
      series: [
        { name: 'truth', x: truth.theta, y: truth.omega },
        { name: 'model', x: model.theta.filter((_, i) => i % 8 === 0), y: model.omega.filter((_, i) => i % 8 === 0), style: 'points' },
      ],
    },
    {
      title: 'Relative energy error',
      xLabel: 't',
      yLabel: '|E - E0| / E0',
      logY: true,
      series: [
        { name: 'truth (RK4)', x: truth.t, y: energy(truth.theta, truth.omega).map((e) => Math.abs(e - e0) / e0) },
        { name: 'model', x: model.t, y: energy(model.theta, model.omega).map((e) => Math.abs(e - e0) / e0 + 1e-9) },
      ],
    },
    {
      title: 'Learning curves (12 trials)',
      xLabel: 'step',
      yLabel: 'loss',
      logY: true,
      legend: false,
      series: trials.map((y, j) => ({ name: `trial ${j}`, x: steps, y, lineWidth: 1.5, alpha: 0.8 })),
    },
    {
      title: 'Sweep: objective vs learning rate',
      xLabel: 'lr',
      yLabel: 'objective',
      logX: true,
      series: [{ name: 'trials', x: lrs, y: objective, style: 'points' }],
    },
    { title: 'A series of NaN', xLabel: 'x', yLabel: 'y', series: [{ name: 'nothing', x: [0, 1, 2], y: [NaN, NaN, Infinity] }] },
  ];
}

function bigChart(): ChartSpec {
  const n = 1000;
  const x = Float64Array.from({ length: n }, (_, i) => (i / (n - 1)) * 20);
  return {
    title: '4 series of 1,000 points',
    xLabel: 'time [s]',
    yLabel: 'amplitude',
    series: [
      { name: 'sin', x, y: x.map((v) => Math.sin(v)) },
      { name: 'cos (dashed)', x, y: x.map((v) => Math.cos(v)), dashed: true },
      { name: 'damped', x, y: x.map((v) => Math.exp(-v / 8) * Math.sin(3 * v)), style: 'line' },
      { name: 'gap at NaN', x, y: x.map((v) => (v > 9 && v < 11 ? NaN : 0.5 * Math.sin(0.5 * v) - 0.2)), style: 'line+points' },
    ],
  };
}

mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, 'plot-demo.png'), figure({ panels: demoPanels(), columns: 3, panelWidth: 480, panelHeight: 320, title: 'odelab plot demo' }));
const spec = bigChart();
const times: number[] = [];
let png: Uint8Array = new Uint8Array(0);
for (let i = 0; i < 21; i++) {
  const t0 = performance.now();
  png = lineChart(spec);
  times.push(performance.now() - t0);
}
const first = times.shift()!;
writeFileSync(path.join(OUT, 'plot-demo-chart.png'), png);
times.sort((a, b) => a - b);
console.log(`wrote ${path.join(OUT, 'plot-demo.png')} and plot-demo-chart.png (${png.length} bytes)`);
console.log(`640x400 chart, 4 series x 1,000 points, render + PNG encode: first ${first.toFixed(1)} ms, then median ${times[10]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms (20 runs)`);
