/**
 * The model artifact's layout: what every run that trained writes under the
 * artifact folder `model/`, close to MLflow's model layout so MLflow's UI
 * shows it as a model, and what `odelab eval` reads back.
 *
 *   model/MLmodel       YAML: artifact_path, run_id, model_uuid, utc_time_created,
 *                       flavors.odelab: format_version, odelab_version, model (plugin
 *                       name), system (plugin name), config, weights.manifest, weights.data
 *   model/config.json   everything needed to rebuild the model (ModelConfigFile)
 *   model/weights.json  the weights manifest, as tfjs's: one entry per variable,
 *                       [{ name, shape, dtype: 'float32', byteOffset, byteLength }]
 *   model/weights.bin   the variables' values, little-endian float32, concatenated
 *                       in manifest order (row-major, as tfjs stores them)
 *
 * JSON cannot hold ±Infinity and NaN, which some options can be (an infinite
 * atol leaves a component out of the error norm), so config.json writes a
 * non-finite number as `{ "$float": "Infinity" | "-Infinity" | "NaN" }`.
 */

/** The artifact folder of a run's model. */
export const MODEL_ARTIFACT_PATH = 'model';

/** Bump when a reader of the previous version could misread the files. */
export const MODEL_FORMAT_VERSION = 1;

/** The flavor name under MLmodel's `flavors`. */
export const FLAVOR = 'odelab';

export const MODEL_FILES = {
  mlmodel: 'MLmodel',
  config: 'config.json',
  manifest: 'weights.json',
  weights: 'weights.bin',
} as const;

/** One variable of weights.bin. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  byteOffset: number;
  byteLength: number;
}

/** MLmodel's `flavors.odelab` (a type, not an interface, so it is a YAML mapping). */
export type OdelabFlavor = {
  format_version: number;
  odelab_version: string;
  /** The model plugin's name. */
  model: string;
  /** The system plugin's name. */
  system: string;
  /** File names, relative to the model folder. */
  config: string;
  weights: { manifest: string; data: string };
};

/** A plugin module the experiment loaded (its `plugins` list). */
export interface PluginModuleRecord {
  /** As written in the experiment file (relative to it). */
  declared: string;
  /** Relative to the working directory of the run when inside it, else absolute. */
  path: string;
  absolute: string;
}

/** model/config.json. */
export interface ModelConfigFile {
  /**
   * The resolved experiment in the shape of an experiment file (plugin
   * sections `{ name, ...options }` with every default filled in), which
   * resolves again to the same configuration.
   */
  experiment: Record<string, unknown>;
  source: {
    /** The experiment file, relative to the run's working directory when inside it, else absolute. */
    file: string;
    plugins: PluginModuleRecord[];
  };
  run: {
    run_id: string;
    /** The tensor backend the run trained and evaluated on. */
    backend: string;
    /** The run's status when the model was written: FINISHED, KILLED (stopped early) or FAILED. */
    status: 'FINISHED' | 'KILLED' | 'FAILED';
    /** Optimiser steps completed. */
    steps: number;
  };
  /** The run's params: the configuration flattened to dotted keys. */
  params: Record<string, string>;
}
