/**
 * Writes demo charts to scratch/ for a human to look at:
 *
 *   npx tsx scripts/plot-demo.ts
 *
 * scratch/plot-demo.svg is a 4 x 2 figure of what the chart layer draws
 * (trajectories, phase portrait, energy error on a log axis, learning curves
 * of many trials, a sweep scatter on a log x axis and one on a categorical
 * x axis, a y label shortened before its unit, a chart without data);
 * scratch/plot-demo-chart.svg is a single 640 x 400 chart of 4 series of
 * 1,000 points, whose rendering time (first call, then the median of 20) is printed.
 *
 * scratch/plot-demo-run-*.svg are the figures a run and a sweep log, drawn
 * by their own functions (core/eval/mechanics-plots.ts, trajectory-plots.ts,
 * core/sweep/report.ts) from a pendulum, the spiral and a made-up sweep,
 * with a "model" whose dynamics are slightly off.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from 'odelab';
import { instantiateSystem, type System } from 'odelab/plugin';
import { createRegistry, groundTruth, timeGrid } from 'odelab/node';
import { sampleCurve } from '../core/eval/curve-samples.ts';
import type { EnergyResult } from '../core/eval/mechanics.ts';
import { accelerationPlot, energyPlot, phasePlot, trajectoryPlot } from '../core/eval/mechanics-plots.ts';
import type { PlotTrajectory } from '../core/eval/plotted-trajectories.ts';
import { trajectoriesPlot } from '../core/eval/trajectory-plots.ts';
import { figure, lineChart, type ChartSpec } from '../core/eval/plot/index.ts';
import { grid, loguniform } from '../core/config/space.ts';
import { objectivePlot } from '../core/sweep/report.ts';
import type { TrialRecord } from '../core/sweep/scheduler.ts';

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
      xUnit: 's',
      yLabel: 'θ, ω',
      yUnit: 'rad, rad/s',
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
      xUnit: 'rad',
      yLabel: 'θ\u0307',
      yUnit: 'rad/s',
      series: [
        { name: 'truth', x: truth.theta, y: truth.omega },
        { name: 'model', x: model.theta.filter((_, i) => i % 8 === 0), y: model.omega.filter((_, i) => i % 8 === 0), style: 'points' },
      ],
    },
    {
      title: 'Relative energy error',
      xLabel: 't',
      xUnit: 's',
      yLabel: '|E − E₀| / E₀',
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
    {
      title: 'Sweep: objective vs hidden widths',
      xLabel: 'model.hidden',
      yLabel: 'objective',
      xCategories: ['[32]', '[64,64]', '[128,128,128]'],
      series: [{ name: 'trials', x: [-0.05, 0.05, 0.95, 1.05, 2], y: [0.31, 0.35, 0.12, 0.18, 0.2], style: 'points' }],
    },
    {
      title: 'A long label gives way to its unit',
      xLabel: 't',
      xUnit: 's',
      yLabel: 'mean |E_model − E_true| over the forty starts',
      yUnit: '% of max|V|',
      logY: true,
      series: [{ name: 'error', x: truth.t, y: truth.t.map((s) => 0.01 * Math.exp(s / 5)) }],
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

// --- the figures runs and sweeps log ------------------------------------------------------------

const registry = createRegistry();
const system = (name: string, options: object = {}): System => {
  const p = registry.get('system', name);
  return instantiateSystem(p, p.options.parse(options, 'system') as never);
};
const dopri8 = registry.get('integrator', 'dopri8');
const truthSolver = dopri8.create(dopri8.options.parse({ rtol: 1e-10, atol: 1e-12 }, 'data') as never);

/** A rollout of `sys` (or of its field scaled by `speed`, the demo's "model") at the frames t, sampled as runs draw it. */
function sampled(sys: System, x0: Float64Array, t: number[], speed = 1): { states: Float64Array[]; curve: PlotTrajectory['truth'] } {
  const field = (tt: number, x: Float64Array) => sys.derivative(tt, x).map((v) => speed * v);
  const states = groundTruth({ ...sys, derivative: field }, truthSolver, x0, t);
  return { states, curve: sampleCurve(t, states, states.map((x, p) => field(t[p]!, x))) };
}

/** The pendulum (101 frames over 5 s, as the quick experiment's data) and a model running 3% fast. */
function pendulumFigures(out: string): string[] {
  const pendulum = system('pendulum');
  const t = timeGrid(5, 101);
  const x0 = Float64Array.of(2.2, 0.5);
  const truth = sampled(pendulum, x0, t);
  const model = sampled(pendulum, x0, t, 1.03);
  const plotted: PlotTrajectory[] = [{ truth: truth.curve, model: model.curve, heldOut: true, frames: t.length }];
  const energyT = timeGrid(20, 200);
  const energy = (speed: number) => groundTruth({ ...pendulum, derivative: (tt, x) => pendulum.derivative(tt, x).map((v) => speed * v) }, truthSolver, x0, energyT);
  const e = (x: Float64Array) => pendulum.mechanical!.kinetic(x) + pendulum.mechanical!.potential(x);
  const truthE = Float64Array.from(energy(1), e);
  const modelE = Float64Array.from(energy(1.03), (x, p) => e(x) + 0.002 * p);
  const error = (100 * Math.abs(modelE.at(-1)! - truthE.at(-1)!)) / 9.8;
  const energyResult = { t: energyT, truth: [truthE], predicted: [modelE], eval_energy_scale: 9.8, eval_energy_error_pct: error, eval_energy_diverged: 0 } as unknown as EnergyResult;
  const rng = new Rng(5);
  const states = Array.from({ length: 300 }, () => Float64Array.of(rng.range(-Math.PI, Math.PI), rng.range(-3, 3)));
  const trueAcc = Float32Array.from(states, (x) => pendulum.derivative(0, x)[1]!);
  const modelAcc = trueAcc.map((a) => 1.06 * a + 0.3 * rng.normal());
  const files: Record<string, Uint8Array> = {
    'plot-demo-run-trajectory.svg': trajectoryPlot(plotted, pendulum),
    'plot-demo-run-phase.svg': phasePlot(plotted, pendulum),
    'plot-demo-run-energy.svg': energyPlot(energyResult, pendulum),
    'plot-demo-run-accelerations.svg': accelerationPlot(modelAcc, trueAcc, pendulum),
  };
  return Object.entries(files).map(([name, svg]) => (writeFileSync(path.join(out, name), svg), name));
}

/** The spiral's one trajectory (its training trajectory: spread 0) and a model running 2% slow. */
function spiralFigure(out: string): string {
  const spiral = system('spiral');
  const t = timeGrid(25, 1000);
  const x0 = Float64Array.of(2, 0);
  const plotted: PlotTrajectory[] = [{ truth: sampled(spiral, x0, t).curve, model: sampled(spiral, x0, t, 0.98).curve, heldOut: false, frames: t.length }];
  writeFileSync(path.join(out, 'plot-demo-run-trajectories.svg'), trajectoriesPlot(plotted, spiral));
  return 'plot-demo-run-trajectories.svg';
}

/** A made-up sweep over hidden widths (categorical), the learning rate (log-uniform) and the activation (strings). */
function sweepFigure(out: string): string {
  const rand = lcg(11);
  const widths = [[32], [64, 64], [128, 128, 128]];
  const acts = ['tanh', 'softplus'];
  const records: TrialRecord[] = Array.from({ length: 18 }, (_, i) => {
    const lr = 10 ** (-4 + 2 * rand());
    const objective = 0.05 + 0.1 * (Math.log10(lr) + 3) ** 2 + 0.04 * (i % 3) + 0.03 * rand();
    const params = { 'model.hidden': widths[i % 3]!, 'train.lr': lr, 'model.activation': acts[Math.floor(i / 3) % 2]! };
    return { index: i, params, state: i === 7 ? 'STOPPED' : 'FINISHED', attempts: 1, runIds: [], curve: [], objective };
  });
  const space = { 'model.hidden': grid(widths), 'train.lr': loguniform(1e-4, 1e-2), 'model.activation': grid(acts) };
  writeFileSync(path.join(out, 'plot-demo-run-objective.svg'), objectivePlot(records, space, 'eval_rollout_mae')!);
  return 'plot-demo-run-objective.svg';
}

function writeRunFigures(out: string): string[] {
  return [...pendulumFigures(out), spiralFigure(out), sweepFigure(out)];
}

mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, 'plot-demo.svg'), figure({ panels: demoPanels(), columns: 4, panelWidth: 480, panelHeight: 320, title: 'odelab plot demo' }));
const runFigures = writeRunFigures(OUT);
console.log(`wrote ${runFigures.join(', ')}`);
const spec = bigChart();
const times: number[] = [];
let svg: Uint8Array = new Uint8Array(0);
for (let i = 0; i < 21; i++) {
  const t0 = performance.now();
  svg = lineChart(spec);
  times.push(performance.now() - t0);
}
const first = times.shift()!;
writeFileSync(path.join(OUT, 'plot-demo-chart.svg'), svg);
times.sort((a, b) => a - b);
console.log(`wrote ${path.join(OUT, 'plot-demo.svg')} and plot-demo-chart.svg (${svg.length} bytes)`);
console.log(`640x400 chart, 4 series x 1,000 points, render as SVG: first ${first.toFixed(1)} ms, then median ${times[10]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms (20 runs)`);
