// The sweep report's figures, read as specs: categorical parameters on categorical axes, numeric ones on numeric (log) axes.
import test from 'ava';
import { choice, grid, loguniform, randint, uniform, type Space, type SpaceValue } from '../../../core/config/space.ts';
import { renderFigure } from '../../../core/eval/plot/index.ts';
import { learningCurvesFigure, objectiveFigure, objectivePlot, parameterAxis } from '../../../core/sweep/report.ts';
import type { TrialRecord } from '../../../core/sweep/scheduler.ts';
import { byClass, findAll, parseSvg, pathPieces, texts } from '../../helpers/svg.ts';

function record(index: number, params: Record<string, SpaceValue>, objective: number | undefined, state: TrialRecord['state'] = 'FINISHED'): TrialRecord {
  return { index, params, state, attempts: 1, runIds: [], curve: [[10, objective ?? 1], [20, (objective ?? 1) / 2]], ...(objective !== undefined ? { objective } : {}) };
}

const parameters: Record<string, Space> = { 'model.hidden': grid([[32], [64, 64]]), 'train.lr': loguniform(3e-4, 3e-3) };
const records = [
  record(0, { 'model.hidden': [32], 'train.lr': 5.9e-4 }, 0.73),
  record(1, { 'model.hidden': [64, 64], 'train.lr': 5.5e-4 }, 0.84),
  record(2, { 'model.hidden': [32], 'train.lr': 7.4e-4 }, 0.76),
  record(3, { 'model.hidden': [64, 64], 'train.lr': 7.7e-4 }, 0.7, 'STOPPED'),
  record(4, { 'model.hidden': [64, 64], 'train.lr': 1e-3 }, undefined, 'FAILED'),
];

test('hidden widths are categories named [32] and [64,64]; the learning rate is on a log axis; the parameter names the axis, not the title', (t) => {
  const fig = objectiveFigure(records, parameters, 'eval_rollout_mae')!;
  const [hidden, lr] = fig.panels;
  t.deepEqual(hidden!.xCategories, ['[32]', '[64,64]']);
  t.is(hidden!.xLabel, 'model.hidden');
  t.is(hidden!.yLabel, 'eval_rollout_mae');
  t.is(hidden!.title, undefined);
  t.falsy(hidden!.logX);
  t.is(lr!.xLabel, 'train.lr');
  t.true(lr!.logX);
  t.is(lr!.xCategories, undefined);
  t.is(fig.title, 'sweep: eval_rollout_mae against each parameter');
  // Each trial sits at its category (side by side within ±0.2), finished and stopped apart; the failed one has no value.
  const [finished, stopped] = hidden!.series;
  t.is(finished!.name, 'finished');
  t.is(stopped!.name, 'stopped (last value)');
  const category = (x: number) => Math.round(x) + 0; // + 0: -0 from rounding -0.05 reads as 0
  t.deepEqual(Array.from(finished!.x, category), [0, 1, 0]);
  t.deepEqual(Array.from(stopped!.x, category), [1]);
  t.true([...Array.from(finished!.x), ...Array.from(stopped!.x)].every((x) => Math.abs(x - category(x)) <= 0.2));
  t.not(finished!.x[0], finished!.x[2], 'two trials of one category do not hide each other');
  t.deepEqual(Array.from(lr!.series[0]!.x), [5.9e-4, 5.5e-4, 7.4e-4]);
});

test('the rendered objective figure labels the categorical axis with the category names', (t) => {
  const { panels } = renderFigure(objectiveFigure(records, parameters, 'eval_rollout_mae')!);
  t.deepEqual(panels[0]!.layout.x.ticks.labels, ['[32]', '[64,64]']);
  t.deepEqual(panels[0]!.layout.x.ticks.major, [0, 1]);
  t.is(panels[0]!.layout.xTitle, 'model.hidden');
  t.is(panels[1]!.layout.x.scale, 'log');
  // In the SVG: the category names and the parameter under the first panel, one marker per trial with a value.
  const { root } = parseSvg(objectivePlot(records, parameters, 'eval_rollout_mae')!);
  const [first] = byClass(root, 'panel');
  t.true(['[32]', '[64,64]', 'model.hidden'].every((s) => texts(first!).includes(s)), texts(first!).join(' | '));
  const markers = byClass(first!, 'series').flatMap((g) => findAll(g, 'path')).flatMap((p) => pathPieces(p.attrs.d!));
  t.is(markers.length, 4, 'the four trials with an objective');
});

test('strings, booleans, null and mixed lists are categorical, in the order the space lists them', (t) => {
  const names = (space: Space, values: SpaceValue[]) => {
    const axis = parameterAxis(space, values);
    return axis.kind === 'categorical' ? axis.names : axis.kind;
  };
  t.deepEqual(names(choice(['tanh', 'softplus', 'relu']), ['relu', 'tanh']), ['tanh', 'softplus', 'relu']);
  t.deepEqual(names(grid([true, false]), [false]), ['true', 'false']);
  t.deepEqual(names(choice([null, 0.1]), [0.1, null]), ['null', '0.1']);
  t.deepEqual(names(grid([{ name: 'adam' }, { name: 'rmsprop' }]), []), ['{"name":"adam"}', '{"name":"rmsprop"}']);
  // '32' and 32 would read alike: then every name is its JSON.
  t.deepEqual(names(choice(['32', 32]), []), ['"32"', '32']);
});

test('numbers are numeric: log for loguniform and for grids of positive numbers spanning a factor of 100, linear otherwise', (t) => {
  t.deepEqual(parameterAxis(loguniform(1e-4, 1e-2), [3e-4]), { kind: 'numeric', log: true });
  t.deepEqual(parameterAxis(uniform(0, 1), [0.3]), { kind: 'numeric', log: false });
  t.deepEqual(parameterAxis(randint(1, 5), [3]), { kind: 'numeric', log: false });
  t.deepEqual(parameterAxis(grid([1e-4, 1e-3, 1e-2]), [1e-3]), { kind: 'numeric', log: true });
  t.deepEqual(parameterAxis(grid([32, 64, 128]), [64]), { kind: 'numeric', log: false });
  t.deepEqual(parameterAxis(grid([-1, 0, 100]), [0]), { kind: 'numeric', log: false });
});

test('a categorical value with no finished trial still has its place on the axis', (t) => {
  const fig = objectiveFigure([record(0, { act: 'relu' }, 1)], { act: grid(['tanh', 'relu']) }, 'loss')!;
  t.deepEqual(fig.panels[0]!.xCategories, ['tanh', 'relu']);
  t.deepEqual(Array.from(fig.panels[0]!.series[0]!.x), [1]);
});

test('no trial with a value gives no objective figure; the learning curves are against the training step', (t) => {
  t.is(objectiveFigure([record(0, { act: 'relu' }, undefined, 'FAILED')], { act: grid(['relu']) }, 'loss'), undefined);
  const curves = learningCurvesFigure(records, 'train_loss')!;
  t.is(curves.panels[0]!.xLabel, 'training step');
  t.is(curves.panels[0]!.series.length, records.length);
});

test('a uniform, log-uniform or randint parameter shows its whole search space, so one sees where the trials fell in it', (t) => {
  const fig = objectiveFigure(records, parameters, 'eval_rollout_mae')!;
  const [lo, hi] = fig.panels[1]!.xRange!;
  // 3e-4 .. 3e-3 with 5% of the decade to spare on each side.
  t.true(Math.abs(lo - 3e-4 / 10 ** 0.05) < 1e-12 && Math.abs(hi - 3e-3 * 10 ** 0.05) < 1e-12, `${lo} .. ${hi}`);
  const ints = objectiveFigure([record(0, { n: 3 }, 1)], { n: randint(1, 5) }, 'loss')!;
  t.deepEqual(ints.panels[0]!.xRange, [0.85, 4.15]);
  const listed = objectiveFigure([record(0, { n: 3 }, 1), record(1, { n: 4 }, 2)], { n: grid([3, 4]) }, 'loss')!;
  t.is(listed.panels[0]!.xRange, undefined);
});
