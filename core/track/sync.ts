/**
 * Delivering what spooled runs left behind (`odelab sync`): runs whose
 * process ended before the server had every record, because the server was
 * down past the flush timeout, a second Ctrl-C, or a crash.
 *
 * For every run folder of the spool (of one tracking URI, or all): take the
 * run's owner lock, which only succeeds when no live process holds it (the
 * run's own process, or another sync: spool-owner.ts), then send the pending
 * records in order with the same sender as a live run (spool-sender.ts). A
 * run whose records end without a final status was cut off by a crash: sync
 * first appends one, FAILED with the time of the run's last record, and tags
 * `odelab.failure_reason` (unless the run had already set one) saying so.
 * The run's folder is removed once everything is acknowledged.
 *
 * One pass per run, no waiting: when the server is unavailable the run's
 * records stay for the next sync (the transport has retried already).
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RunSpool, SPOOL_FILES, type SpoolMeta } from './spool.ts';
import { readOwner, takeOwnership, type OwnerInfo } from './spool-owner.ts';
import type { SpoolRecord } from './spool-records.ts';
import { errorMessage, SpoolSender } from './spool-sender.ts';
import type { RunStatus, Tracker } from './tracker.ts';

export const FAILURE_REASON_TAG = 'odelab.failure_reason';
export const FAILURE_CODE_TAG = 'odelab.failure_code';
/** The failure code of a run whose process ended without finishing it. */
export const PROCESS_LOST = 'PROCESS_LOST';

export interface SyncOptions {
  /** The spool root. */
  root: string;
  /** Only runs recorded with this tracking URI (a tracker's `uri`); all when absent. */
  trackingUri?: string;
  /** The tracker serving a run's recorded URI (the CLI: selectTracker); may throw. */
  trackerFor(uri: string): Tracker;
}

/**
 * - complete: the server has everything (the folder is gone, or kept for its rejected records)
 * - pending: the server is unavailable; records remain for the next sync
 * - in-use: a live process owns the run (the run itself, or another sync)
 * - failed: the spool or the tracker could not be used (see `error`)
 */
export type SyncOutcome = 'complete' | 'pending' | 'in-use' | 'failed';

export interface RunSyncResult {
  runId: string;
  trackingUri: string;
  dir: string;
  outcome: SyncOutcome;
  /** Records this sync had acknowledged. */
  delivered: number;
  /** Records in rejected.jsonl (refused by the server for good, kept). */
  rejected: number;
  /** Records still waiting. */
  pending: number;
  /** The run's final status as spooled (sent once everything before it was). */
  status?: RunStatus;
  /** True when sync appended the FAILED status because the process ended without one. */
  appendedFailure: boolean;
  /** Who holds the run (outcome in-use). */
  owner?: OwnerInfo;
  error?: string;
}

export interface SyncResult {
  runs: RunSyncResult[];
  /** Spooled runs of other tracking URIs, left alone. */
  otherUris: number;
}

/** Deliver every spooled run (of `options.trackingUri`, if given) whose owner is gone. */
export async function syncSpool(options: SyncOptions): Promise<SyncResult> {
  const result: SyncResult = { runs: [], otherUris: 0 };
  for (const dir of await RunSpool.list(options.root)) {
    let meta: SpoolMeta;
    try {
      meta = await RunSpool.readMeta(dir);
    } catch (e) {
      if (!(await finished(dir))) result.runs.push({ ...emptyResult(dir, '?', '?'), outcome: 'failed', error: errorMessage(e) });
      continue;
    }
    if (options.trackingUri !== undefined && meta.trackingUri !== options.trackingUri) {
      result.otherUris += 1;
      continue;
    }
    const run = await syncRun(dir, meta, options);
    if (run) result.runs.push(run);
  }
  return result;
}

function emptyResult(dir: string, runId: string, trackingUri: string): RunSyncResult {
  return { runId, trackingUri, dir, outcome: 'complete', delivered: 0, rejected: 0, pending: 0, appendedFailure: false };
}

/** True when the run folder's meta.json is gone: another sync (or the run) finished it meanwhile. */
async function finished(dir: string): Promise<boolean> {
  return stat(join(dir, SPOOL_FILES.meta)).then(() => false, () => true);
}

/** Deliver one run; undefined when another process finished it while we looked. */
async function syncRun(dir: string, meta: SpoolMeta, options: SyncOptions): Promise<RunSyncResult | undefined> {
  const result = emptyResult(dir, meta.runId, meta.trackingUri);
  const ownership = await takeOwnership(dir).catch((e: unknown) => e as Error);
  if (ownership instanceof Error) return (await finished(dir)) ? undefined : { ...result, outcome: 'failed', error: ownership.message };
  if (!ownership) return { ...result, outcome: 'in-use', owner: await readOwner(dir) };
  if (await finished(dir)) {
    await ownership.release();
    await rm(dir, { recursive: true, force: true }); // only our lock was left in it
    return undefined;
  }
  try {
    const tracker = options.trackerFor(meta.trackingUri);
    const spool = await RunSpool.open(dir); // read again: the owner may have logged more until it ended
    let state = await spool.state();
    if (state.records.at(-1)?.kind !== 'end') {
      await appendFailure(spool, state.records);
      result.appendedFailure = true;
      state = await spool.state();
    }
    const last = state.records.at(-1) as SpoolRecord & { kind: 'end' };
    result.status = last.status;
    let pending = state.pending;
    const sender = new SpoolSender(tracker, spool);
    while (pending.length > 0) {
      const step = await sender.sendNext(pending);
      result.delivered += step.settled - step.rejected;
      pending = pending.slice(step.settled);
      if (step.error !== undefined) {
        result.error = errorMessage(step.error);
        break;
      }
    }
    result.pending = pending.length;
    result.rejected = (await spool.state()).rejected;
    if (pending.length > 0) return { ...result, outcome: 'pending' };
    await spool.finish();
    return { ...result, outcome: 'complete' };
  } catch (e) {
    return { ...result, outcome: 'failed', error: errorMessage(e) };
  } finally {
    await ownership.release();
  }
}

/** The status a crashed run never logged: FAILED at its last record's time, with the reason (unless it gave one). */
async function appendFailure(spool: RunSpool, records: readonly SpoolRecord[]): Promise<void> {
  const { meta } = spool;
  const endTime = records.at(-1)?.time ?? meta.created;
  const hasReason = records.some((r) => r.kind === 'tags' && Object.hasOwn(r.tags, FAILURE_REASON_TAG));
  await spool.repairTail();
  if (!hasReason) {
    const reason =
      `the process (pid ${meta.pid} on ${meta.hostname}) ended without finishing the run; ` +
      'the records it had logged were delivered by odelab sync';
    spool.append({ kind: 'tags', tags: { [FAILURE_REASON_TAG]: reason, [FAILURE_CODE_TAG]: PROCESS_LOST } }, endTime);
  }
  spool.append({ kind: 'end', status: 'FAILED', endTime }, endTime);
}
