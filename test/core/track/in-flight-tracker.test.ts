// InFlightTracker: calls pass through unchanged; the ones not yet answered and
// the run created are known, for the line a stopping process prints.
import test from 'ava';
import { InFlightTracker } from '../../../core/track/in-flight-tracker.ts';
import { FakeTracker } from '../../helpers/fake-tracker.ts';

test('calls pass through; those in flight are listed oldest first with their age; the created run is kept', async (t) => {
  const inner = new FakeTracker({ uri: 'http://mlflow.example:5000' });
  let now = 1_000_000;
  const tracker = new InFlightTracker(inner, () => now);
  t.is(tracker.uri, inner.uri);
  t.true(tracker.remote);
  t.is(tracker.checkUsable, undefined, 'only when the inner tracker has it');

  const experimentId = await tracker.getOrCreateExperiment('x');
  t.is(tracker.createdRun, undefined);
  const info = await tracker.createRun({ experimentId, runName: 'r', startTime: 0, tags: {} });
  t.is(tracker.createdRun, info);

  let open!: () => void;
  inner.gate = new Promise<void>((r) => (open = r));
  const batch = tracker.logBatch(info.runId, { metrics: [{ key: 'loss', value: 1, step: 0, timestamp: 0 }] });
  now += 3000;
  const update = tracker.updateRun(info.runId, { status: 'KILLED', endTime: 1 });
  now += 9000;
  t.deepEqual(tracker.inFlight(), ['logBatch for 12 s', 'updateRun KILLED for 9 s']);
  open();
  await Promise.all([batch, update]);
  t.deepEqual(tracker.inFlight(), []);
  t.is(inner.applied.length, 2);

  inner.up = false;
  await t.throwsAsync(tracker.logBatch(info.runId, {}), { message: /unreachable/ });
  t.deepEqual(tracker.inFlight(), [], 'a failed call is no longer in flight');
});

test('checkUsable is passed through when the inner tracker has one', async (t) => {
  let checked = 0;
  const inner = Object.assign(new FakeTracker(), { checkUsable: async () => void checked++ });
  const tracker = new InFlightTracker(inner);
  await tracker.checkUsable!();
  t.is(checked, 1);
});
