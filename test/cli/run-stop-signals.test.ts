// `odelab run`'s Ctrl-C / SIGTERM handling with injected signals, clock and
// exit: before the run exists a signal exits at once; after, the run is asked
// to stop and the process exits when the grace runs out, saying what it was
// waiting for; a second signal exits at once. ODELAB_STOP_GRACE is checked.
import test from 'ava';
import { EventEmitter } from 'node:events';
import { ConfigError } from '../../core/errors.ts';
import { DEFAULT_STOP_GRACE_S, installStopSignals, stopGraceMs } from '../../core/cli/run-command.ts';

function harness(hasRun: boolean) {
  const signals = new EventEmitter();
  const exits: number[] = [];
  const lines: string[] = [];
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const stop = installStopSignals({
    graceMs: 10_000,
    hasRun: () => hasRun,
    pending: () => 'waiting for http://h:5000: logBatch for 9 s',
    signals,
    exit: (code) => void exits.push(code),
    write: (text) => void lines.push(text),
    setTimer: (fn, ms) => {
      const timer = { fn, ms, cancelled: false };
      timers.push(timer);
      return { cancel: () => void (timer.cancelled = true) };
    },
  });
  return { signals, exits, lines, timers, stop };
}

test('before the run exists a signal exits 130 at once: nothing to flush', (t) => {
  const h = harness(false);
  h.signals.emit('SIGTERM', 'SIGTERM');
  t.deepEqual(h.exits, [130]);
  t.regex(h.lines.join(''), /SIGTERM: no run created yet, nothing to flush; exiting/);
  t.deepEqual(h.timers, []);
});

test('once the run exists: stop after this step, exit 130 when the grace runs out, saying what was pending', (t) => {
  const h = harness(true);
  t.is(h.stop.shouldStop(), undefined);
  h.signals.emit('SIGINT', 'SIGINT');
  t.is(h.stop.shouldStop(), 'SIGINT');
  t.deepEqual(h.exits, [], 'the run gets its chance to end KILLED');
  t.regex(h.lines.join(''), /SIGINT: stopping after this step; the run ends KILLED \(exiting in 10 s at the latest; again to exit now\)/);
  t.is(h.timers.length, 1);
  t.is(h.timers[0]!.ms, 10_000);
  h.timers[0]!.fn();
  t.deepEqual(h.exits, [130]);
  t.is(h.lines.at(-1), 'odelab: SIGINT: the run did not end within 10 s (waiting for http://h:5000: logBatch for 9 s); exiting\n');
});

test('a second signal exits 130 at once; a run that ends in time cancels the grace', (t) => {
  const h = harness(true);
  h.signals.emit('SIGTERM', 'SIGTERM');
  h.signals.emit('SIGTERM', 'SIGTERM');
  t.deepEqual(h.exits, [130]);
  t.regex(h.lines.at(-1)!, /SIGTERM again: exiting now \(waiting for http:\/\/h:5000: logBatch for 9 s\)/);

  const ended = harness(true);
  ended.signals.emit('SIGTERM', 'SIGTERM');
  ended.stop.dispose();
  t.true(ended.timers[0]!.cancelled);
  t.is(ended.signals.listenerCount('SIGTERM') + ended.signals.listenerCount('SIGINT'), 0);
  t.deepEqual(ended.exits, []);
});

test('ODELAB_STOP_GRACE: seconds from 0 to 3600, default 10; anything else names the variable', (t) => {
  t.is(stopGraceMs({}), DEFAULT_STOP_GRACE_S * 1000);
  t.is(stopGraceMs({ ODELAB_STOP_GRACE: '' }), 10_000);
  t.is(stopGraceMs({ ODELAB_STOP_GRACE: '2.5' }), 2500);
  t.is(stopGraceMs({ ODELAB_STOP_GRACE: '0' }), 0);
  for (const bad of ['-1', 'soon', '3601', '1e3']) {
    const e = t.throws(() => stopGraceMs({ ODELAB_STOP_GRACE: bad }), { instanceOf: ConfigError });
    t.is(e?.path, 'ODELAB_STOP_GRACE');
    t.regex(e!.message, /ODELAB_STOP_GRACE must be a number of seconds from 0 to 3600/);
  }
});
