/**
 * The interface of a tracking store, shaped after MLflow's tracking API so
 * that the embedded file store and the REST client implement the same calls.
 */

/** MLflow run statuses. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface Metric {
  key: string;
  /** May be NaN or ±Infinity; each store encodes those its own way. */
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  /** Where the run's artifacts live (`file:///...` or `mlflow-artifacts:/...`). */
  artifactUri: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
}

/** A run read back from the store. */
export interface RunData {
  info: RunInfo;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Latest value of each metric. */
  metrics: Record<string, number>;
}

export interface CreateRunRequest {
  experimentId: string;
  runName: string;
  /** Milliseconds since the epoch. */
  startTime: number;
  tags: Record<string, string>;
}

export interface LogBatch {
  metrics?: Metric[];
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

export interface Tracker {
  /** Where this store lives (a path or URL, never with credentials). */
  readonly uri: string;
  /**
   * True for stores across a network (the MLflow REST client): the run's
   * records then go through the on-disk spool so that an unreachable server
   * loses nothing. Local stores write directly.
   */
  readonly remote: boolean;
  /**
   * Check before any work that runs can be written here (the file store: its
   * folder can be made and written to). Rejects with a ConfigError naming the
   * location and what is wrong. Absent: the first call is the check (a
   * server's reachability is retried, not judged up front).
   */
  checkUsable?(): Promise<void>;
  /** The id of the experiment with this name, creating it if needed (safe under concurrency). */
  getOrCreateExperiment(name: string): Promise<string>;
  createRun(request: CreateRunRequest): Promise<RunInfo>;
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  /** Write one artifact at a path relative to the run's artifact root (no `..`, not absolute). */
  logArtifact(runId: string, path: string, data: string | Uint8Array): Promise<void>;
  /** Read one artifact (a path relative to the run's artifact root, as for logArtifact). */
  readArtifact(runId: string, path: string): Promise<Uint8Array>;
  /** Every artifact file under `dir` (default: the root), as `/`-separated paths relative to the root, sorted. */
  listArtifacts(runId: string, dir?: string): Promise<string[]>;
  updateRun(runId: string, update: { status: RunStatus; endTime: number }): Promise<void>;
  getRun(runId: string): Promise<RunData>;
  /** The full history of one metric, oldest first. */
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;
}
