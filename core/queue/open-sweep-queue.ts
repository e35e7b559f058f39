/**
 * Everything `odelab sweep --queue URL` checks and sets up before the sweep
 * starts, in the order that makes every input error a ConfigError before
 * any work: the URL and the ODELAB_QUEUE_* settings, the experiment's code
 * bundle (an absolute `plugins` path cannot travel), the queue key
 * (ODELAB_QUEUE_KEY, or the explicit opt-out), then Redis itself
 * (reachable, credentials accepted); only then is the bundle stored and the
 * executor opened.
 */
import type { LoadedExperiment } from '../config/load.ts';
import { experimentCode } from './code-bundle.ts';
import { connect } from './connection.ts';
import { QueueExecutor } from './queue-executor.ts';
import { parseRedisUrl } from './redis-url.ts';
import { queueSettings } from './settings.ts';
import { INSECURE_WARNING, queueSigner } from './signing.ts';

export interface SweepQueueRequest {
  url: string;
  loaded: LoadedExperiment;
  /** `--plugin` modules, absolute. */
  pluginPaths: string[];
  label(trialIndex: number): string;
  /** `--insecure-queue`: run without ODELAB_QUEUE_KEY (nothing signed). */
  insecure: boolean;
  warn(message: string): void;
  onQueued?(sweepId: string): void;
}

export async function openSweepQueue(req: SweepQueueRequest): Promise<QueueExecutor> {
  const address = parseRedisUrl(req.url, '--queue');
  const settings = queueSettings();
  const signer = queueSigner('odelab sweep --queue', req.insecure);
  const plugins = req.loaded.spec.plugins ?? [];
  const { bundle, ref } = await experimentCode(req.loaded.file, plugins, req.pluginPaths);
  const { client, warnings } = await connect(address, '--queue');
  for (const w of warnings) req.warn(w);
  if (!signer.secure) req.warn(INSECURE_WARNING);
  return QueueExecutor.open({ address, settings, client, bundle, code: ref, signer, label: req.label, onWarning: req.warn, onQueued: req.onQueued });
}
