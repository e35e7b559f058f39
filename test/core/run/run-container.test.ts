// The run container: a run's parts are swapped by registering another value under their token, and the
// runner resolved afterwards uses them (here a recording tracker and a fixed clock).
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from 'odelab';
import { createRegistry, loadExperiment, resolveRunner, runContainer, selectTracker, TOKENS, type Clock } from 'odelab/node';
import type { Tracker } from 'odelab/plugin';
import { defaultRunName } from '../../../core/run/runner.ts';

const root = mkdtempSync(join(tmpdir(), 'odelab-run-container-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

test.before(async () => {
  await initBackend('cpu');
});

/** `inner` with every method call recorded (name and arguments). */
function recording(inner: Tracker): { tracker: Tracker; calls: { method: string; args: unknown[] }[] } {
  const calls: { method: string; args: unknown[] }[] = [];
  const tracker = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push({ method: String(key), args });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { tracker, calls };
}

test.serial('a tracker and a clock registered in the container are the ones the run uses', async (t) => {
  const registry = createRegistry();
  const loaded = await loadExperiment('test/fixtures/experiments/tiny.ts', registry);
  const store = selectTracker(registry, join(root, 'mlruns'));
  const unused = recording(store);
  const { tracker, calls } = recording(store);
  const FIXED = Date.UTC(2030, 0, 2, 3, 4, 5);
  const fixedClock: Clock = { now: () => FIXED };

  const parts = runContainer({ registry, tracker: unused.tracker, backend: 'cpu' });
  // Swapped after assembly, in a child: the runner is built from what is registered when it is resolved.
  const scope = parts.createChildContainer();
  scope.register(TOKENS.Tracker, { useValue: tracker });
  scope.register(TOKENS.Clock, { useValue: fixedClock });
  const summary = await resolveRunner(scope).run({ loaded });

  t.is(summary.status, 'FINISHED', summary.reason);
  t.is(summary.backend, 'cpu', 'the backend comes from the container');
  t.is(unused.calls.length, 0, 'the tracker registered first is not used');
  const created = calls.find((c) => c.method === 'createRun');
  t.truthy(created, 'the run was created through the swapped tracker');
  const request = created!.args[0] as { startTime: number; runName: string };
  t.is(request.startTime, FIXED);
  t.is(request.runName, defaultRunName('tiny', new Date(FIXED)));
  t.true(calls.some((c) => c.method === 'updateRun'), 'and ended through it');
  t.is(summary.durationMs, 0, 'durations are measured on the fixed clock');
  t.is(summary.metrics.wall_time_s, 0);
  const stored = await store.getRun(summary.runId);
  t.is(stored.info.startTime, FIXED);
  t.is(stored.info.runName, request.runName);
});

test('a run with no backend in the request or the container is refused before any work', async (t) => {
  const registry = createRegistry();
  const loaded = await loadExperiment('test/fixtures/experiments/tiny.ts', registry);
  const { tracker, calls } = recording(selectTracker(registry, join(root, 'unused')));
  await t.throwsAsync(resolveRunner(runContainer({ registry, tracker })).run({ loaded }), { message: /no backend/ });
  t.is(calls.length, 0);
});
