import test from 'ava';
import type { ExecutorEvent } from '../../../core/sweep/executor.ts';
import { EventReplay } from '../../../core/queue/event-replay.ts';
import type { EventRow } from '../../../core/queue/job-data.ts';

const row = (r: EventRow) => JSON.stringify(r);
const started = (run: string, worker: string) => row({ run, worker, event: { type: 'started', runId: run, experimentId: '1' } });
const metrics = (run: string, step: number) => row({ run, worker: 'w', event: { type: 'metrics', step, values: { train_loss: 1 / step } } });

test('rows become the events a local executor sends, whether read all at once or in pieces', (t) => {
  const rows = [started('r1', 'a:1'), metrics('r1', 4), metrics('r1', 8)];
  const whole: ExecutorEvent[] = [];
  new EventReplay((e) => whole.push(e)).apply(rows);
  const pieces: ExecutorEvent[] = [];
  const replay = new EventReplay((e) => pieces.push(e));
  replay.apply(rows.slice(0, 1));
  replay.apply(rows.slice(1));
  t.deepEqual(pieces, whole);
  t.deepEqual(whole.map((e) => e.type), ['started', 'metrics', 'metrics']);
  t.is(replay.seen, 3);
});

test("a second run in one job means the first run's worker was lost: a lost event, and the old run's late metrics are dropped", (t) => {
  const events: ExecutorEvent[] = [];
  const replay = new EventReplay((e) => events.push(e));
  replay.apply([started('r1', 'a:1'), metrics('r1', 4), started('r2', 'b:2'), metrics('r1', 8), metrics('r2', 4), 'not json']);
  t.deepEqual(events.map((e) => (e.type === 'metrics' ? `metrics ${e.step}` : `${e.type} ${e.runId}`)), ['started r1', 'metrics 4', 'lost r1', 'started r2', 'metrics 4']);
  const lost = events.find((e) => e.type === 'lost') as { reason: string };
  t.is(lost.reason, 'worker lost: a:1 stopped holding the trial, which b:2 ran again');
  t.is(replay.seen, 6);
});

test('a run logged as ended is not lost when its job runs again (handed back, or its claim lapsed while Redis was away); reset starts over for a replaced job', (t) => {
  const events: ExecutorEvent[] = [];
  const replay = new EventReplay((e) => events.push(e));
  replay.apply([started('r1', 'a:1'), row({ run: 'r1', worker: 'a:1', ended: true }), started('r2', 'b:2')]);
  t.deepEqual(events.map((e) => e.type), ['started', 'started']);
  replay.reset();
  t.is(replay.seen, 0);
  replay.apply([started('r3', 'c:3')]);
  t.deepEqual(events.map((e) => e.type), ['started', 'started', 'started']);
});
