/**
 * `odelab sync [--tracking-uri URI] [--spool-dir DIR] [--json]`: send the
 * records that runs left in the spool (the tracking server was down when
 * they ended, or their process died) and finish those runs on the server.
 *
 * Runs of one tracking URI (--tracking-uri, else MLFLOW_TRACKING_URI) or, with
 * neither, every spooled run to the URI it recorded. Credentials come from
 * the environment as for `odelab run` (the spool never stores them). Exit 0
 * when nothing is left to send (runs still owned by a live process are
 * skipped and do not count), 1 when records remain (the server is still
 * unavailable) or a spool could not be read, 2 for invalid input.
 *
 * The local store (the one given, else ./mlruns) is also searched for runs
 * left RUNNING by a process that died (lost-runs.ts): they are ended FAILED
 * with odelab.failure_code=PROCESS_LOST at the time of their last record.
 */
import { basename } from 'node:path';
import { loadPluginModule } from '../registry/loader.ts';
import type { Registry } from '../registry/registry.ts';
import { endLostRuns, type EndedRun } from '../track/lost-runs.ts';
import { RunSpool } from '../track/spool.ts';
import { resolveSpoolRoot } from '../track/spool-config.ts';
import { resolveTrackingUri, selectTracker } from '../track/select.ts';
import { syncSpool, type RunSyncResult, type SyncResult } from '../track/sync.ts';
import type { Tracker } from '../track/tracker.ts';

export interface SyncArgs {
  trackingUri?: string;
  spoolDir?: string;
  plugin: string[];
  json: boolean;
}

export async function syncCommand(registry: Registry, args: SyncArgs): Promise<number> {
  for (const p of args.plugin) await loadPluginModule(registry, p, process.cwd(), '--plugin');
  const root = resolveSpoolRoot(args.spoolDir, process.env, '--spool-dir');
  const given = resolveTrackingUri(args.trackingUri);
  const filter = given.given ? selectTracker(registry, given.uri, given.source) : undefined;
  const trackers = new Map<string, Tracker>(filter ? [[filter.uri, filter]] : []);
  const trackerFor = (uri: string): Tracker => {
    let tracker = trackers.get(uri);
    if (!tracker) trackers.set(uri, (tracker = selectTracker(registry, uri, `spooled run's tracking URI '${uri}'`)));
    return tracker;
  };
  const result = await syncSpool({ root, trackingUri: filter?.uri, trackerFor });
  // The local store (the one given, or ./mlruns): runs left RUNNING by a dead process are ended.
  const local = filter ?? selectTracker(registry, given.uri, given.source);
  const spooled = new Set((await RunSpool.list(root)).map((d) => basename(d)));
  const lost = local.remote ? [] : await endLostRuns(local, spooled);
  if (args.json) process.stdout.write(`${JSON.stringify({ spoolDir: root, ...result, lostRuns: lost })}\n`);
  else process.stdout.write(formatSync(root, result, local.remote ? undefined : local.uri, lost));
  return result.runs.some((r) => r.outcome === 'pending' || r.outcome === 'failed') || lost.some((r) => r.error) ? 1 : 0;
}

function formatLost(r: EndedRun): string {
  const head = `run ${r.runId} (${r.experimentId})`;
  if (r.error) return `${head}: left RUNNING by pid ${r.owner.pid} on ${r.owner.host}, which is gone; could not end it: ${r.error}`;
  return `${head}: its process (pid ${r.owner.pid} on ${r.owner.host}) is gone; ended FAILED (PROCESS_LOST) at its last record, ${new Date(r.lastRecord).toISOString()}`;
}

function formatRun(r: RunSyncResult): string {
  const head = `run ${r.runId} (${r.trackingUri})`;
  switch (r.outcome) {
    case 'in-use':
      return `${head}: skipped, in use by ${r.owner ? `pid ${r.owner.pid} on ${r.owner.host}` : 'another process'}`;
    case 'failed':
      return `${head}: not synced: ${r.error ?? 'unknown error'}`;
    default: {
      const counts = `${r.delivered} record${r.delivered === 1 ? '' : 's'} delivered, ${r.rejected} rejected`;
      const status = r.status ? `, status ${r.status}${r.appendedFailure ? ' (its process had ended without finishing the run)' : ''}` : '';
      if (r.outcome === 'pending') return `${head}: ${counts}, ${r.pending} still pending (${r.error ?? 'server unavailable'}); run odelab sync again later`;
      const kept = r.rejected > 0 ? `; rejected records kept in ${r.dir}` : '';
      return `${head}: ${counts}${status}${kept}`;
    }
  }
}

function formatSync(root: string, result: SyncResult, store: string | undefined, lost: EndedRun[]): string {
  const lines = [...result.runs.map(formatRun), ...lost.map(formatLost)];
  if (result.runs.length === 0) lines.push(`nothing to sync in ${root}`);
  if (store !== undefined && lost.length === 0) lines.push(`no run left RUNNING by a dead process in ${store}`);
  if (result.otherUris > 0) {
    lines.push(`${result.otherUris} spooled run${result.otherUris === 1 ? '' : 's'} of other tracking URIs left alone (choose with --tracking-uri)`);
  }
  return `${lines.join('\n')}\n`;
}
