// The figures a run logs, read as specs: axis names and units from the system, honest titles, enough samples to be smooth.
import test from 'ava';
import { instantiateSystem, type System } from 'odelab/plugin';
import { createRegistry, timeGrid } from 'odelab/node';
import { perTime, systemAxes } from '../../../core/eval/axis-labels.ts';
import { sampleCurve } from '../../../core/eval/curve-samples.ts';
import type { EnergyResult } from '../../../core/eval/mechanics.ts';
import { accelerationFigure, energyFigure, phaseFigure, phasePlot, trajectoryFigure } from '../../../core/eval/mechanics-plots.ts';
import type { PlotTrajectory } from '../../../core/eval/plotted-trajectories.ts';
import type { ChartSpec } from '../../../core/eval/plot/index.ts';
import { trajectoriesFigure } from '../../../core/eval/trajectory-plots.ts';
import { byClass, drawnPoints, findAll, parseSvg, pathPieces, texts } from '../../helpers/svg.ts';

const registry = createRegistry();
const system = (name: string, options: object = {}): System => {
  const p = registry.get('system', name);
  return instantiateSystem(p, p.options.parse(options, 'system') as never);
};

/** A trajectory of `dim` components on `frames` frames over 5 time units, sampled as the runs do. */
function trajectory(dim: number, heldOut: boolean, frames = 101): PlotTrajectory {
  const t = timeGrid(5, frames);
  const x = t.map((s) => Float64Array.from({ length: dim }, (_, d) => Math.sin((d + 1) * s)));
  const dxdt = t.map((s) => Float64Array.from({ length: dim }, (_, d) => (d + 1) * Math.cos((d + 1) * s)));
  const sampled = sampleCurve(t, x, dxdt);
  return { truth: sampled, model: sampled, heldOut, frames };
}

const axes = (panel: ChartSpec) => [panel.xLabel, panel.xUnit, panel.yLabel, panel.yUnit];

test('the double pendulum plots name θ₁, θ₂, ω₁, ω₂ with rad, rad/s, s and J', (t) => {
  const dp = system('double-pendulum');
  const plotted = [trajectory(4, true)];
  t.deepEqual(trajectoryFigure(plotted, dp).panels.map(axes), [
    ['t', 's', 'θ₁', 'rad'],
    ['t', 's', 'θ₂', 'rad'],
    ['t', 's', 'ω₁', 'rad/s'],
    ['t', 's', 'ω₂', 'rad/s'],
  ]);
  t.deepEqual(phaseFigure(plotted, dp).panels.map(axes), [
    ['θ₁', 'rad', 'ω₁', 'rad/s'],
    ['θ₂', 'rad', 'ω₂', 'rad/s'],
  ]);
  t.deepEqual(accelerationFigure(new Float32Array([1, 2, 3, 4]), new Float32Array([1, 2, 3, 5]), dp).panels.map(axes), [
    ['true dω₁/dt', 'rad/s²', 'model dω₁/dt', 'rad/s²'],
    ['true dω₂/dt', 'rad/s²', 'model dω₂/dt', 'rad/s²'],
  ]);
});

test('the energy figure gives E in the system\'s unit and the error in percent of max|V|', (t) => {
  const e = {
    t: [0, 1, 2],
    truth: [Float64Array.of(-10, -10, -10)],
    predicted: [Float64Array.of(-10, -9, -8)],
    eval_energy_scale: 29.4,
    energyScaleKind: 'max|V|',
    eval_energy_error_pct: 6.8,
    eval_energy_diverged: 0,
    eval_energy_error_finite_pct: 6.8,
  } as unknown as EnergyResult;
  const fig = energyFigure(e, system('double-pendulum'));
  t.deepEqual(fig.panels.map(axes), [
    ['t', 's', 'E', 'J'],
    ['t', 's', '|E_model − E_true|', '% of max|V|'],
  ]);
  t.regex(fig.panels[1]!.title!, /max\|V\| = 29\.4 J$/);
  t.deepEqual(Array.from(fig.panels[1]!.series[0]!.y), [0, 100 / 29.4, 200 / 29.4]);
  const diverged = energyFigure({ ...e, eval_energy_error_pct: Infinity, eval_energy_diverged: 1 } as EnergyResult, system('double-pendulum'));
  t.regex(diverged.title!, /^energy: 1 of 1 start diverged$/);
  t.notRegex(diverged.title!, /Infinity/);
  const some = { ...e, truth: [...e.truth, ...e.truth], predicted: [...e.predicted, Float64Array.of(-10, NaN, NaN)], eval_energy_error_pct: Infinity, eval_energy_diverged: 1 };
  t.is(energyFigure(some as EnergyResult).title, "energy: 1 of 2 starts diverged; the others' final error 6.80% of max|V|");
});

test('a system without labels plots generic names (q1, q̇1, q̈1) and claims no units', (t) => {
  const bare = { stateDim: 4, mechanical: { coordinates: 2 } };
  const plotted = [trajectory(4, true)];
  t.deepEqual(phaseFigure(plotted, bare).panels.map(axes), [
    ['q1', undefined, 'q\u03071', undefined],
    ['q2', undefined, 'q\u03072', undefined],
  ]);
  t.deepEqual(trajectoryFigure(plotted, bare).panels[0]!.xLabel, 't');
  t.is(trajectoryFigure(plotted, bare).panels[0]!.xUnit, undefined);
  t.deepEqual(accelerationFigure(new Float32Array(4), new Float32Array(4), bare).panels.map((p) => p.xLabel), ['true q\u03081', 'true q\u03082']);
  t.deepEqual(trajectoriesFigure([trajectory(3, true)], { stateDim: 3 }).panels.map((p) => p.yLabel), ['x1', 'x2', 'x3']);
});

test('the spiral says it is dimensionless', (t) => {
  const fig = trajectoriesFigure([trajectory(2, false)], system('spiral'));
  t.deepEqual(fig.panels.map(axes), [
    ['t', 'dimensionless', 'y₁', 'dimensionless'],
    ['t', 'dimensionless', 'y₂', 'dimensionless'],
    ['y₁', 'dimensionless', 'y₂', 'dimensionless'],
  ]);
});

test('titles say "held-out" only of trajectories training did not see', (t) => {
  const spiral = system('spiral');
  t.is(trajectoriesFigure([trajectory(2, false)], spiral).title, 'training trajectory: model vs truth');
  t.is(trajectoriesFigure([trajectory(2, true)], spiral).title, 'held-out trajectory: model vs truth');
  t.is(trajectoriesFigure([trajectory(2, true), trajectory(2, true)], spiral).title, 'held-out trajectories: model vs truth');
  const mixed = trajectoriesFigure([trajectory(2, true), trajectory(2, false)], spiral);
  t.is(mixed.title, 'trajectories (1 held out, 1 from training): model vs truth');
  t.deepEqual(mixed.panels[0]!.series.map((s) => s.name), ['truth 1', 'model 1', 'truth 2 (training)', 'model 2 (training)']);
  const dp = system('double-pendulum');
  t.is(trajectoryFigure([trajectory(4, false)], dp).title, 'training trajectory: model vs truth');
  t.is(phaseFigure([trajectory(4, false)], dp).title, 'phase portrait, training trajectory: model vs truth');
  t.is(phaseFigure([trajectory(4, true)], dp).title, 'phase portrait, held-out trajectory: model vs truth');
});

test('the phase portrait is drawn from at least 500 points per trajectory when the rollout has 101 frames', (t) => {
  const dp = system('double-pendulum');
  const fig = phaseFigure([trajectory(4, true, 101)], dp);
  for (const panel of fig.panels) {
    t.is(panel.series.length, 2);
    for (const s of panel.series) t.true(s.x.length >= 500 && s.y.length === s.x.length, `${s.name}: ${s.x.length} points`);
  }
  // The SVG: one panel per coordinate, truth and model in each, smooth (hundreds of vertices) and inside the figure.
  const { root, width, height } = parseSvg(phasePlot([trajectory(4, true, 101)], dp));
  const panels = byClass(root, 'panel');
  t.is(panels.length, fig.panels.length);
  panels.forEach((panel, i) => {
    const series = byClass(panel, 'series');
    t.is(series.length, 2);
    for (const s of series) {
      const vertices = findAll(s, 'path').flatMap((p) => pathPieces(p.attrs.d!)).flat();
      t.true(vertices.length >= 200, `panel ${i}: ${vertices.length} vertices`);
    }
    t.true(texts(panel).includes(`${fig.panels[i]!.xLabel} (${fig.panels[i]!.xUnit})`));
    t.deepEqual(texts(byClass(panel, 'legend')[0]!), ['truth', 'model']);
  });
  t.true(texts(root).includes(fig.title!));
  t.true(drawnPoints(root).every(([x, y]) => x >= 0 && x <= width && y >= 0 && y <= height));
});

test('accelerations are drawn on equal axes over the true values, and model values beyond them are counted', (t) => {
  const truth = new Float32Array([-10, 0, 0, 1, 10, 2]);
  const pred = new Float32Array([-9, 0, 500, 1, 11, 2]);
  const fig = accelerationFigure(pred, truth, { stateDim: 4, mechanical: { coordinates: 2 } });
  const [first, second] = fig.panels;
  t.deepEqual(first!.xRange, [-12, 12]);
  t.deepEqual(first!.yRange, first!.xRange);
  t.is(first!.title, 'q\u03081: 1 of 3 model values off the chart');
  t.is(second!.title, 'q\u03082');
});

test('units per unit of time fold into squares', (t) => {
  t.is(perTime('rad/s', 's'), 'rad/s²');
  t.is(perTime('m', 's'), 'm/s');
  t.is(perTime('', 's'), '1/s');
  t.is(perTime('', ''), '');
  t.is(perTime('rad/s', undefined), undefined);
  const named = systemAxes({ stateDim: 2, mechanical: { coordinates: 1 }, labels: { state: ['x', 'v'], stateUnits: ['m', 'm/s'], time: 's', accelerations: ['a'] } });
  t.deepEqual(named.acceleration, [{ name: 'a', unit: 'm/s²' }]);
  t.deepEqual(named.energy, { name: 'E' });
});
