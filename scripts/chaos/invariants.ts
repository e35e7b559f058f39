/**
 * The invariants the chaos campaign checks after recovery, on a file store
 * (read as MLflow's FileStore reads it) and on the local REST server.
 *
 * - every run is in a terminal status (FINISHED, FAILED, KILLED);
 * - no metric point is duplicated (same key, step, timestamp and value twice);
 * - no point is lost from the middle: each run's train_loss steps (logged every
 *   step) are a contiguous prefix, so what a kill lost is the tail the process
 *   had not yet written (the file store's unflushed buffer; nothing for a spooled
 *   run), never a hole;
 * - every file parses as MLflow reads it: experiment and run meta.yaml (flat
 *   YAML with the fields MLflow needs, an integer status), metric lines
 *   `timestamp value step` (Python floats), params and tags as UTF-8 text, and
 *   no temporary file inside metrics/, params/ or tags/ (MLflow lists those as keys);
 * - each sweep trial is recorded once: one FINISHED child run per finished trial.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseFlatYaml, parsePythonFloat } from '../../core/track/file-store-yaml.ts';

export interface StoreRun {
  runId: string;
  experimentId: string;
  status: string;
  tags: Record<string, string>;
  /** train_loss steps in order of the file (or of the server's history). */
  steps: number[];
  /** The last train_loss timestamp (ms), 0 when none. */
  lastPoint: number;
  endTime?: number;
}

export interface StoreCheck {
  runs: StoreRun[];
  violations: string[];
  /** Run folders without meta.yaml: a kill inside createRun; MLflow skips them as incomplete. */
  incomplete: number;
}

const STATUS = ['', 'RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED']);

async function dirs(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name);
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).split(sep).join('/'));
}

/** The metric lines of one file: violations for unparsable or duplicated lines. */
function checkMetricLines(where: string, text: string, violations: string[]): Array<{ ts: number; value: number; step: number }> {
  const seen = new Set<string>();
  const points = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const m = /^(\d+) (\S+) (-?\d+)$/.exec(line);
    let value = NaN;
    try {
      if (m) value = parsePythonFloat(m[2]!);
    } catch {
      /* reported below */
    }
    if (!m || (Number.isNaN(value) && !/^[+-]?nan$/i.test(m[2]!))) {
      violations.push(`${where}: line ${i + 1} is not 'timestamp value step': ${JSON.stringify(line.slice(0, 80))}`);
      continue;
    }
    if (seen.has(line)) violations.push(`${where}: point duplicated: ${line}`);
    seen.add(line);
    points.push({ ts: Number(m[1]), value, step: Number(m[3]) });
  }
  if (!text.endsWith('\n') && text !== '') violations.push(`${where}: last line not terminated (torn write)`);
  return points;
}

/** Steps must be evenly spaced (every train.logEvery steps) without a hole: a prefix of what was logged. */
export function checkPrefix(where: string, steps: number[], violations: string[]): void {
  const stride = steps.length > 1 ? steps[1]! - steps[0]! : 1;
  if (stride < 1) violations.push(`${where}: train_loss steps out of order: ${steps[0]} then ${steps[1]}`);
  for (let i = 1; i < steps.length; i++) {
    if (steps[i] !== steps[i - 1]! + stride) {
      violations.push(`${where}: train_loss steps not contiguous: ${steps[i - 1]} then ${steps[i]}`);
      return;
    }
  }
}

async function checkRun(root: string, expId: string, runId: string, out: StoreCheck): Promise<void> {
  const dir = join(root, expId, runId);
  const where = `${expId}/${runId}`;
  let meta;
  try {
    meta = parseFlatYaml(await readFile(join(dir, 'meta.yaml'), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      out.incomplete += 1;
      return;
    }
    out.violations.push(`${where}/meta.yaml does not parse: ${(e as Error).message}`);
    return;
  }
  const status = STATUS[Number(meta.status)] ?? '';
  if (typeof meta.status !== 'number' || !status) out.violations.push(`${where}/meta.yaml: status ${String(meta.status)} is not an MLflow status`);
  if (meta.run_uuid !== runId || meta.run_id !== runId) out.violations.push(`${where}/meta.yaml: run id ${String(meta.run_id)} differs from its folder`);
  if (typeof meta.start_time !== 'number') out.violations.push(`${where}/meta.yaml: start_time missing`);
  if (!TERMINAL.has(status)) out.violations.push(`${where}: status ${status} after recovery (not terminal)`);
  const tags: Record<string, string> = {};
  for (const kind of ['params', 'tags'] as const) {
    for (const f of await files(join(dir, kind))) {
      if (f.split('/').some((p) => p.startsWith('.tmp-'))) out.violations.push(`${where}/${kind}/${f}: a temporary file MLflow would read as a key`);
      const text = await readFile(join(dir, kind, f), 'utf8');
      if (text.includes('\uFFFD')) out.violations.push(`${where}/${kind}/${f}: not UTF-8`);
      if (kind === 'tags') tags[f] = text;
    }
  }
  let steps: number[] = [];
  let lastPoint = 0;
  for (const f of await files(join(dir, 'metrics'))) {
    if (f.split('/').some((p) => p.startsWith('.tmp-'))) out.violations.push(`${where}/metrics/${f}: a temporary file MLflow would read as a key`);
    const points = checkMetricLines(`${where}/metrics/${f}`, await readFile(join(dir, 'metrics', f), 'utf8'), out.violations);
    if (f === 'train_loss') {
      steps = points.map((p) => p.step);
      lastPoint = Math.max(0, ...points.map((p) => p.ts));
      checkPrefix(`${where}`, steps, out.violations);
    }
  }
  out.runs.push({ runId, experimentId: expId, status, tags, steps, lastPoint, ...(typeof meta.end_time === 'number' ? { endTime: meta.end_time } : {}) });
}

/** Check a whole file store after recovery. */
export async function checkFileStore(root: string): Promise<StoreCheck> {
  const out: StoreCheck = { runs: [], violations: [], incomplete: 0 };
  for (const expId of await dirs(root)) {
    if (expId.startsWith('.') || expId === 'models') continue;
    try {
      const meta = parseFlatYaml(await readFile(join(root, expId, 'meta.yaml'), 'utf8'));
      for (const k of ['experiment_id', 'name', 'lifecycle_stage', 'artifact_location']) {
        if (!(k in meta)) out.violations.push(`${expId}/meta.yaml: no ${k}`);
      }
    } catch (e) {
      out.violations.push(`${expId}/meta.yaml does not parse: ${(e as Error).message}`);
      continue;
    }
    for (const runId of await dirs(join(root, expId))) await checkRun(root, expId, runId, out);
  }
  return out;
}

/** Each trial of each sweep recorded once: at most one FINISHED child run per (sweep, trial). */
export function checkTrialsOnce(runs: StoreRun[], violations: string[]): number {
  const finished = new Map<string, number>();
  let trials = 0;
  for (const r of runs) {
    const sweep = r.tags['mlflow.parentRunId'];
    const trial = r.tags['odelab.sweep.trial'];
    if (!sweep || trial === undefined) continue;
    const key = `${sweep}#${trial}`;
    if (!finished.has(key)) trials += 1;
    if (r.status === 'FINISHED') finished.set(key, (finished.get(key) ?? 0) + 1);
    else finished.set(key, finished.get(key) ?? 0);
  }
  for (const [key, n] of finished) if (n > 1) violations.push(`sweep trial ${key} recorded ${n} times FINISHED`);
  return trials;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
