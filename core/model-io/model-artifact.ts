/**
 * Writing a run's model artifact (layout in format.ts) through the run's
 * logger, so it lands in whichever tracker the run uses. Also sets MLflow's
 * `mlflow.log-model.history` tag, by which MLflow's UI lists a run's models.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { NamedWeights } from '../model.ts';
import { FLAVOR, MODEL_ARTIFACT_PATH, MODEL_FILES, MODEL_FORMAT_VERSION, type OdelabFlavor } from './format.ts';
import { formatYaml } from './mlmodel-yaml.ts';
import { buildModelConfig, stringifyConfig, type ModelConfigInput } from './model-config.ts';
import { encodeWeights, nonFiniteWeight } from './weights-codec.ts';

/** Where the artifact goes: a RunLogger, or anything with its two calls. */
export interface ArtifactSink {
  logArtifact(path: string, data: string | Uint8Array): Promise<void>;
  setTags(tags: Record<string, string>): Promise<void>;
}

export interface ModelArtifactInput extends ModelConfigInput {
  weights: NamedWeights;
  /** Default: now. */
  created?: Date;
}

let version: string | undefined;

/** odelab's version, from its package.json. */
export function odelabVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}

/** Python's str(datetime): `2025-01-31 12:00:00.123000`, in UTC. */
function pythonUtc(d: Date): string {
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}000`;
}

/**
 * The four files of the model artifact, keyed by artifact path (`model/...`),
 * in the order to write them (MLmodel last: once it is there, the rest is).
 */
export function modelArtifactFiles(input: ModelArtifactInput): { files: [string, string | Uint8Array][]; mlmodel: Record<string, unknown> } {
  const { manifest, data } = encodeWeights(input.weights);
  const config = buildModelConfig(input);
  const flavor: OdelabFlavor = {
    format_version: MODEL_FORMAT_VERSION,
    odelab_version: odelabVersion(),
    model: input.loaded.resolved.model.name,
    system: input.loaded.resolved.system.name,
    config: MODEL_FILES.config,
    weights: { manifest: MODEL_FILES.manifest, data: MODEL_FILES.weights },
  };
  const mlmodel = {
    artifact_path: MODEL_ARTIFACT_PATH,
    flavors: { [FLAVOR]: flavor },
    model_uuid: randomUUID().replace(/-/g, ''),
    run_id: input.runId,
    utc_time_created: pythonUtc(input.created ?? new Date()),
  };
  const at = (name: string) => `${MODEL_ARTIFACT_PATH}/${name}`;
  const files: [string, string | Uint8Array][] = [
    [at(MODEL_FILES.weights), data],
    [at(MODEL_FILES.manifest), `[\n${manifest.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`],
    [at(MODEL_FILES.config), stringifyConfig(config)],
    [at(MODEL_FILES.mlmodel), formatYaml(mlmodel)],
  ];
  return { files, mlmodel };
}

/**
 * Log the model artifact, unless a weight is not finite (a run that failed
 * on a diverging loss): then nothing is written and the tag
 * `odelab.model_skipped` says why.
 * @returns whether the model was written, and why not.
 */
export async function logModel(sink: ArtifactSink, input: ModelArtifactInput): Promise<{ logged: boolean; reason?: string }> {
  const bad = nonFiniteWeight(input.weights);
  if (bad !== undefined) {
    const reason = `weight '${bad}' is not finite`;
    await sink.setTags({ 'odelab.model_skipped': reason });
    return { logged: false, reason };
  }
  const { files, mlmodel } = modelArtifactFiles(input);
  for (const [path, data] of files) await sink.logArtifact(path, data);
  await sink.setTags({ 'mlflow.log-model.history': JSON.stringify([mlmodel]) });
  return { logged: true };
}
