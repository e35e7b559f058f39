/**
 * `odelab run` SIGKILLed at random moments (from start-up to mid-training),
 * on the file store and through the spool to the local REST server, whose
 * own process is stopped and restarted at random meanwhile. Recovery: the
 * next run's start (file store) and `odelab sync`. Checked: every run
 * terminal, killed ones FAILED/PROCESS_LOST ended at their last record, no
 * point twice, no hole, every file parses; points lost per kill estimated
 * from the kill time and the run's logging rate, against the bound.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeMlflowServer } from '../../test/helpers/fake-mlflow-server.ts';
import { type Campaign, FLUSH_EVERY, LONG_RUN, METRICS_PER_STEP, TINY } from './campaign.ts';
import { checkFileStore, checkPrefix } from './invariants.ts';
import { ended, odelab, sleep, until } from './proc.ts';

const KILL_FILE = 'SIGKILL odelab run (file store)';
const KILL_REST = 'SIGKILL odelab run (REST, spooled)';
const SERVER = 'REST server stopped/restarted mid-run';

interface Kill {
  at: number;
}

/** Steps a kill lost: the time since the run's last point on disk times its logging rate. */
function lostSteps(steps: number[], firstTs: number, lastTs: number, killedAt: number): number | undefined {
  if (steps.length < 10 || lastTs <= firstTs) return undefined;
  const rate = (steps.length - 1) / (lastTs - firstTs);
  return Math.max(0, (killedAt - lastTs) * rate);
}

/** The last train_loss step in a spool folder's records (-1 when none or the folder is gone). */
async function lastSpooledStep(dir: string): Promise<number> {
  const text = await import('node:fs/promises').then((fs) => fs.readFile(join(dir, 'records.jsonl'), 'utf8')).catch(() => '');
  let last = -1;
  for (const line of text.split('\n')) {
    try {
      const r = JSON.parse(line) as { kind?: string; metrics?: Array<{ key: string; step: number }> };
      if (r.kind === 'metrics') for (const m of r.metrics ?? []) if (m.key === 'train_loss') last = Math.max(last, m.step);
    } catch {
      /* a torn last line: the record being written when the process died */
    }
  }
  return last;
}

async function syncOk(c: Campaign, fault: string, args: string[], env: Record<string, string>): Promise<void> {
  const r = await ended(odelab(['sync', ...args], env), 'odelab sync', 120_000);
  if (r.code !== 0) c.checked(fault, 1, [`odelab sync exited ${r.code}: ${(r.stdout + r.stderr).slice(-500)}`]);
}

export async function fileStoreKills(c: Campaign): Promise<void> {
  const store = join(c.dir, 'file-store');
  const env = { ODELAB_SPOOL_DIR: join(c.dir, 'spool-file') };
  const kills = new Map<string, Kill>();
  const n = c.count(45);
  const runIds = async () => {
    const out = new Set<string>();
    for (const e of await readdir(store).catch(() => [])) if (!e.startsWith('.') && e !== '0') for (const r of await readdir(join(store, e)).catch(() => [])) if (r !== 'meta.yaml') out.add(r);
    return out;
  };
  for (let i = 0; i < n; i++) {
    const before = await runIds();
    const p = odelab(['run', TINY, ...LONG_RUN, '--tracking-uri', store], env);
    await sleep(c.between(800, 5500));
    p.kill('SIGKILL');
    const at = Date.now();
    const r = await ended(p, 'the killed odelab run', 30_000);
    c.inject(KILL_FILE);
    if (r.signal !== 'SIGKILL') c.checked(KILL_FILE, 1, [`odelab run ended by itself before the kill (exit ${r.code}): ${r.stderr.slice(-300)}`]);
    for (const id of await runIds()) if (!before.has(id)) kills.set(id, { at });
    if (i % 8 === 7) await syncOk(c, KILL_FILE, ['--tracking-uri', store, '--spool-dir', env.ODELAB_SPOOL_DIR], env);
  }
  await syncOk(c, KILL_FILE, ['--tracking-uri', store, '--spool-dir', env.ODELAB_SPOOL_DIR], env);
  const check = await checkFileStore(store);
  const violations = [...check.violations];
  let worst = 0;
  let estimated = 0;
  for (const run of check.runs) {
    const kill = kills.get(run.runId);
    if (!kill) continue;
    if (run.status !== 'FAILED' || run.tags['odelab.failure_code'] !== 'PROCESS_LOST') violations.push(`${run.runId}: killed run ended ${run.status} (${run.tags['odelab.failure_code'] ?? 'no code'}), not FAILED/PROCESS_LOST`);
    if (run.lastPoint && run.endTime !== undefined && (run.endTime < run.lastPoint || run.endTime > kill.at + 1000)) {
      violations.push(`${run.runId}: end time ${run.endTime} is not the time of its last record (last point ${run.lastPoint}, killed at ${kill.at})`);
    }
  }
  // Loss estimate: reread first timestamps from the file (checkFileStore kept the last).
  for (const run of check.runs) {
    const kill = kills.get(run.runId);
    if (!kill || run.steps.length < 10) continue;
    const text = await import('node:fs/promises').then((fs) => fs.readFile(join(store, run.experimentId, run.runId, 'metrics', 'train_loss'), 'utf8'));
    const firstTs = Number(text.slice(0, text.indexOf(' ')));
    const lost = lostSteps(run.steps, firstTs, run.lastPoint, kill.at);
    if (lost === undefined) continue;
    estimated += 1;
    worst = Math.max(worst, lost);
  }
  // Exact: the per-step metrics are written together, a batch at a time, so a killed run's
  // train_loss, train_lr and train_nfe_forward end within one batch of each other: a kill (even
  // between two keys' appends) cuts off at most the batch being written, never more.
  const batchSteps = Math.ceil(FLUSH_EVERY / METRICS_PER_STEP) + 1;
  const fs = await import('node:fs/promises');
  for (const run of check.runs) {
    if (!kills.has(run.runId)) continue;
    const lastSteps: number[] = [];
    for (const key of ['train_loss', 'train_lr', 'train_nfe_forward']) {
      const text = await fs.readFile(join(store, run.experimentId, run.runId, 'metrics', key), 'utf8').catch(() => '');
      const last = text.trimEnd().split('\n').at(-1);
      lastSteps.push(last ? Number(last.split(' ')[2]) : -1);
    }
    if (Math.max(...lastSteps) - Math.min(...lastSteps) > batchSteps) {
      violations.push(`${run.runId}: per-step metrics end at steps ${lastSteps.join(', ')}: more than one batch apart`);
    }
  }
  c.checked(KILL_FILE, check.runs.length * 5, violations);
  c.note(KILL_FILE, `${kills.size} of ${n} kills after the run existed (the others during start-up); ${check.incomplete} run folder(s) without meta.yaml (killed inside createRun; MLflow skips them); per-step metrics on disk within one batch of each other (a kill cuts off at most the unwritten batch, ${FLUSH_EVERY} values = ${(FLUSH_EVERY / METRICS_PER_STEP).toFixed(0)} steps); estimated steps between the last point on disk and the kill, at the run's mean rate: worst ${worst.toFixed(0)} over ${estimated} runs (inflated when the process was descheduled)`);
  c.log(`  file store: ${n} kills, ${check.runs.length} runs checked, ${violations.length} violations`);
}

export async function restKills(c: Campaign): Promise<void> {
  const server = await FakeMlflowServer.start();
  const spool = join(c.dir, 'spool-rest');
  const env = {
    ODELAB_SPOOL_DIR: spool,
    ODELAB_FLUSH_TIMEOUT: '2',
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '4',
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.2',
    MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0.1',
    MLFLOW_HTTP_REQUEST_TIMEOUT: '10',
  };
  const kills = new Map<string, number>();
  /** The last train_loss step in each killed run's spool: what it had logged when it died. */
  const spooled = new Map<string, number>();
  const n = c.count(22);
  try {
    for (let i = 0; i < n; i++) {
      const known = new Set(server.runs().map((r) => r.runId));
      const p = odelab(['run', TINY, ...LONG_RUN, '--tracking-uri', server.url], env);
      await until('the REST run to be created on the server', 60_000, () => server.runs().some((r) => !known.has(r.runId)));
      const runId = server.runs().find((r) => !known.has(r.runId))!.runId;
      const outages = Math.floor(c.between(3, 10));
      for (let k = 0; k < outages; k++) {
        await sleep(c.between(100, 1200));
        await server.stop();
        c.inject(SERVER);
        await sleep(c.between(100, 1200));
        if (k < outages - 1 || c.rng.uniform() < 0.6) await server.start();
      }
      await sleep(c.between(100, 1500));
      p.kill('SIGKILL');
      kills.set(runId, Date.now());
      const r = await ended(p, 'the killed odelab run (REST)', 30_000);
      c.inject(KILL_REST);
      spooled.set(runId, await lastSpooledStep(join(spool, runId)));
      if (r.signal !== 'SIGKILL') c.checked(KILL_REST, 1, [`odelab run ended by itself before the kill (exit ${r.code}): ${r.stderr.slice(-300)}`]);
      await server.start();
      if (i % 6 === 5) await syncOk(c, KILL_REST, ['--tracking-uri', server.url, '--spool-dir', spool], env);
    }
    await syncOk(c, KILL_REST, ['--tracking-uri', server.url, '--spool-dir', spool], env);
    const violations: string[] = [];
    let worst = 0;
    for (const run of server.runs()) {
      if (!['FINISHED', 'FAILED', 'KILLED'].includes(run.status)) violations.push(`${run.runId}: ${run.status} on the server after sync`);
      const killedAt = kills.get(run.runId);
      if (killedAt !== undefined && run.status !== 'FAILED') violations.push(`${run.runId}: killed run ended ${run.status}, not FAILED`);
      const seen = new Set<string>();
      for (const m of run.metrics) {
        const key = `${m.key} ${m.step} ${m.timestamp} ${m.value}`;
        if (seen.has(key)) violations.push(`${run.runId}: point duplicated on the server: ${key}`);
        seen.add(key);
      }
      const loss = run.metrics.filter((m) => m.key === 'train_loss').sort((a, b) => a.step - b.step);
      checkPrefix(run.runId, loss.map((m) => m.step), violations);
      // Exact: every step the spool held when the process died is on the server after sync.
      const held = spooled.get(run.runId) ?? -1;
      const delivered = loss.at(-1)?.step ?? -1;
      if (delivered < held) violations.push(`${run.runId}: the spool held train_loss up to step ${held}, the server has up to ${delivered} after sync`);
      if (killedAt !== undefined && loss.length >= 10) {
        worst = Math.max(worst, lostSteps(loss.map((m) => m.step), loss[0]!.timestamp, loss.at(-1)!.timestamp, killedAt) ?? 0);
      }
    }
    const left = (await readdir(spool).catch(() => [])).filter((d) => /^[0-9a-f]{32}$/.test(d));
    if (left.length) violations.push(`${left.length} spool folder(s) left after sync: ${left.join(', ')}`);
    c.checked(KILL_REST, server.runs().length * 5, violations);
    c.checked(SERVER, server.runs().length, []);
    c.note(KILL_REST, `${server.runs().length} runs on the server; every step a killed run's spool held is on the server after sync (${[...spooled.values()].filter((v) => v >= 0).length} spools read at the kill); estimated steps between the last delivered point and the kill, at the run's mean rate: worst ${worst.toFixed(1)} (kill latency and descheduling included; by construction the bound is the step in progress, as a record is on disk before the logging call returns)`);
    c.log(`  REST: ${n} kills, ${c.row(SERVER).injected} server outages, ${violations.length} violations`);
  } finally {
    await server.stop();
  }
}
