/**
 * What a trial job carries through Redis, and how its worker talks back.
 *
 * - The job's data is the TrialTask without what is local to a machine: the
 *   experiment and plugin files are named inside the code bundle (by content
 *   hash), and the worker supplies its own built-in plugins and backend.
 * - While the trial runs, the worker appends one row per TrialEvent to the
 *   job's log (`job.log`) and bumps `job.updateProgress({ events: n })`, the
 *   signal the scheduler reacts to. The log is the trial's ordered history,
 *   so a scheduler that attaches late (`--resume`) replays all of it, and a
 *   row names its run: when a lost worker's job is run again, the rows show
 *   two runs, the first of which was lost.
 * - The job's return value is the TrialOutcome. A job fails (BullMQ `failed`)
 *   only when the trial could not run or its thread or process died; the
 *   reason of the latter starts with WORKER_LOST so the scheduler can tell.
 */
import type { TrialEvent, TrialTask } from '../sweep/types.ts';
import type { OdelabVersion } from './odelab-version.ts';

/** The code a trial runs: a bundle in Redis, and which of its files are the experiment and the `--plugin`s. */
export interface CodeRef {
  hash: string;
  /** Bundle path of the experiment file. */
  experiment: string;
  /** Bundle paths of the `--plugin` modules (the experiment's own `plugins` resolve next to it). */
  pluginPaths: string[];
}

export type QueuedTask = Omit<TrialTask, 'experiment' | 'pluginPaths' | 'builtinsModule' | 'backend'>;

export interface TrialJobData {
  task: QueuedTask;
  code: CodeRef;
  /** The trial's values (`lr=0.01, hidden=[32]`), for the worker's log lines. */
  label: string;
  /** The scheduler's odelab, so a worker can say when its own differs. */
  odelab: OdelabVersion;
  /** HMAC-SHA256 of the rest of the job (signing.ts); absent when the sweep runs without a queue key. */
  mac?: string;
}

/** What a trial job's signature covers: everything but the signature. */
export function signedJobPayload(data: TrialJobData): Omit<TrialJobData, 'mac'> {
  const { mac: _mac, ...payload } = data;
  return payload;
}

export interface SweepJobData {
  sweepId: string;
  experiment: string;
  codeHash: string;
  createdAt: number;
}

/** One row of a trial job's log. */
export interface EventRow {
  /** The run the row belongs to ('' before the run exists). */
  run: string;
  /** `host:pid` of the worker. */
  worker: string;
  event?: TrialEvent;
  /**
   * The run ended properly (any status). If the job runs again anyway (its worker handed it back, or
   * lost its claim on the job while Redis was away), this run is not a lost worker's.
   */
  ended?: true;
}

export interface JobProgress {
  /** Rows in the job's log so far. */
  events: number;
}

export const WORKER_LOST_PREFIX = 'WORKER_LOST: ';
