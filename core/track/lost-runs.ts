/**
 * Ending the runs of a local store whose process died: a run SIGKILLed
 * mid-training keeps what it wrote, but nothing would ever set its status,
 * and MLflow shows it RUNNING for ever.
 *
 * A run records its owner as the tag `odelab.owner` (run-owner.ts). Here the
 * store's folders are read in MLflow's file-store layout (plugins/trackers/
 * mlflow-file.ts writes it; only meta.yaml's status and the owner tag are read):
 * a RUNNING run whose owner is a dead process on this host is ended through the
 * tracker, FAILED, with `odelab.failure_code=PROCESS_LOST`, a reason, and as
 * end time the time of its last record (the newest file in the run's folder,
 * or the newest metric point's timestamp if later). Runs without an owner tag (made
 * by MLflow itself, or by an older odelab) and runs owned on another host are
 * left alone.
 *
 * `odelab sync` does this for the store it is given (or ./mlruns), and every
 * run does it for its own store before it is created. Both at once is safe:
 * each writes the same tags and the same status.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseFlatYaml } from './file-store-yaml.ts';
import { OWNER_TAG, ownerState, parseOwner, type RunOwner } from './run-owner.ts';
import { FAILURE_CODE_TAG, FAILURE_REASON_TAG, PROCESS_LOST } from './sync.ts';
import type { Tracker } from './tracker.ts';

const RUNNING = 1; // MLflow's RunStatus.RUNNING as stored in meta.yaml
/** Files written by ending a lost run, not by the run itself. */
const ENDER_FILES = new Set([join('tags', FAILURE_REASON_TAG), join('tags', FAILURE_CODE_TAG)]);
const NOT_EXPERIMENTS = new Set(['.trash', 'models']);

export interface LostRun {
  runId: string;
  experimentId: string;
  owner: RunOwner;
  /** The time of the run's last record (ms since the epoch). */
  lastRecord: number;
}

export interface EndedRun extends LostRun {
  /** Set when the tracker refused to end it. */
  error?: string;
}

const dirs = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name);

/** The timestamp on the last line of a metric file (`timestamp value step`), 0 when unreadable. */
async function lastMetricTime(file: string, size: number): Promise<number> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return 0;
  try {
    const length = Math.min(size, 512);
    const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
    const last = buffer.toString('utf8').trimEnd().split('\n').at(-1) ?? '';
    const ts = Number(last.split(' ')[0]);
    return Number.isSafeInteger(ts) ? ts : 0;
  } finally {
    await handle.close();
  }
}

/**
 * The time of the last record under the run folder `dir`: the newest file's
 * modification time, or a metric point's own timestamp when later (file times
 * come from the kernel's coarse clock and may trail Date.now() by a few ms).
 */
async function lastRecordTime(dir: string): Promise<number> {
  let newest = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const file = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    // The failure tags are what ending a lost run writes first: a process killed right after that
    // (the campaign's SIGKILL of a run during its start-up scan) must not move the run's end time.
    if (ENDER_FILES.has(relative(dir, file))) continue;
    const s = await stat(file).catch(() => undefined);
    if (!s) continue;
    newest = Math.max(newest, s.mtimeMs);
    if (relative(dir, file).startsWith(`metrics${sep}`)) newest = Math.max(newest, await lastMetricTime(file, s.size));
  }
  return Math.floor(newest);
}

/** The run in `runDir` if it is RUNNING, has an owner tag, and that owner is dead. */
async function lostRun(runDir: string, experimentId: string, runId: string): Promise<LostRun | undefined> {
  let status: unknown;
  try {
    status = parseFlatYaml(await readFile(join(runDir, 'meta.yaml'), 'utf8'), join(runDir, 'meta.yaml')).status;
  } catch {
    return undefined; // not a run (yet): createRun writes meta.yaml last
  }
  if (status !== RUNNING) return undefined;
  const owner = parseOwner(await readFile(join(runDir, 'tags', OWNER_TAG), 'utf8').catch(() => undefined));
  if (!owner || ownerState(owner) !== 'dead') return undefined;
  return { runId, experimentId, owner, lastRecord: await lastRecordTime(runDir) };
}

/**
 * The RUNNING runs under the file store at `root` whose owner died on this host.
 * @param skip run ids to leave alone (runs whose records still wait in a spool)
 */
export async function findLostRuns(root: string, skip: ReadonlySet<string> = new Set()): Promise<LostRun[]> {
  const lost: LostRun[] = [];
  for (const exp of await dirs(root)) {
    if (NOT_EXPERIMENTS.has(exp) || exp.startsWith('.')) continue;
    for (const runId of await dirs(join(root, exp))) {
      if (skip.has(runId)) continue;
      const run = await lostRun(join(root, exp, runId), exp, runId);
      if (run) lost.push(run);
    }
  }
  return lost;
}

/** The reason recorded on a lost run. */
export function lostReason(owner: RunOwner): string {
  return `the process (pid ${owner.pid} on ${owner.host}) ended without finishing the run (killed or crashed); ` +
    'its records up to its last flush were kept and the run was ended by odelab';
}

/**
 * End every lost run of the local store `tracker` (its `uri` is the store's
 * folder) FAILED with PROCESS_LOST at the time of its last record. A run the
 * tracker refuses to end is reported with the error, and the others go on.
 */
export async function endLostRuns(tracker: Tracker, skip?: ReadonlySet<string>): Promise<EndedRun[]> {
  if (tracker.remote) return [];
  const ended: EndedRun[] = [];
  for (const run of await findLostRuns(tracker.uri, skip)) {
    try {
      await tracker.logBatch(run.runId, { tags: { [FAILURE_REASON_TAG]: lostReason(run.owner), [FAILURE_CODE_TAG]: PROCESS_LOST } });
      await tracker.updateRun(run.runId, { status: 'FAILED', endTime: run.lastRecord });
      ended.push(run);
    } catch (e) {
      ended.push({ ...run, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return ended;
}
