/**
 * Where a sweep lives in Redis, in one place so the scheduler (QueueExecutor)
 * and `odelab worker` cannot disagree. Under the prefix (ODELAB_QUEUE_PREFIX):
 *
 * - queue `sweeps`: one parent job per sweep, id `sweep-<sweepId>`, the root
 *   of a BullMQ flow; it is never processed, it ties the sweep's trial jobs
 *   together and is removed with them when the sweep ends;
 * - queue `trials`: one job per trial attempt, id `<sweepId>.<trial>.<attempt>`
 *   (deterministic, so a restarted scheduler finds the jobs of its sweep);
 *   BullMQ forbids ':' in custom ids, hence the dots;
 * - key `odelab:code:<sha256>`: the experiment's code bundle (see code-bundle.ts);
 * - key `odelab:stop:<trial job id>`: set when the scheduler stops a running
 *   trial (ASHA, Ctrl-C); the worker polls it and stops the trial.
 */

export const TRIALS_QUEUE = 'trials';
export const SWEEPS_QUEUE = 'sweeps';

/** How long a code bundle stays in Redis after the last sweep that used it was started or resumed. */
export const CODE_TTL_S = 30 * 24 * 3600;
/** How long a stop request stays (a worker acts on it within a second; the rest is margin). */
export const STOP_TTL_S = 24 * 3600;

export function sweepJobId(sweepId: string): string {
  return `sweep-${checkId(sweepId)}`;
}

export function trialJobId(sweepId: string, trial: number, attempt: number): string {
  return `${checkId(sweepId)}.${trial}.${attempt}`;
}

export function codeKey(prefix: string, hash: string): string {
  return `${prefix}:odelab:code:${hash}`;
}

export function stopKey(prefix: string, jobId: string): string {
  return `${prefix}:odelab:stop:${jobId}`;
}

/** The parent reference BullMQ wants for a child job: the parent's id and `<prefix>:<queue>`. */
export function sweepParent(prefix: string, sweepId: string): { id: string; queue: string } {
  return { id: sweepJobId(sweepId), queue: `${prefix}:${SWEEPS_QUEUE}` };
}

function checkId(sweepId: string): string {
  // Run ids are hex (MLflow) or similar; anything else would make ambiguous job ids.
  if (!/^[A-Za-z0-9_-]+$/.test(sweepId)) throw new Error(`sweep id '${sweepId}' cannot name queue jobs (letters, digits, '_' and '-' only)`);
  return sweepId;
}
