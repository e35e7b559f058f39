/**
 * A trial in its own process, for native tfjs backends (tfjs-node keeps one
 * backend per process, tfjs issue 8388): started by the process executor
 * with an IPC channel; receives {task}, sends events and finally
 * {type: 'done', outcome} or {type: 'error', message}.
 */
import { runTrial } from './trial-worker.ts';
import type { TrialControl, TrialOutcome, TrialTask } from './types.ts';

type Incoming = { type: 'task'; task: TrialTask } | TrialControl;

const send = (msg: unknown) => new Promise<void>((resolve) => process.send!(msg, undefined, {}, () => resolve()));

const controls: ((msg: TrialControl) => void)[] = [];
process.on('message', (msg: Incoming) => {
  if (msg.type === 'task') {
    runTrial(msg.task, { send: (e) => void send(e), onControl: (h) => controls.push(h) })
      .then((outcome: TrialOutcome) => send({ type: 'done', outcome }))
      .catch((e: unknown) => send({ type: 'error', message: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code }))
      .finally(() => process.exit(0));
  } else {
    for (const h of controls) h(msg);
  }
});
