/**
 * One table of odelab's errors, each with a stable code.
 *
 * Configuration errors (bad input, caught before any work starts, exit code 2)
 * and numerical failures (raised while integrating or training, exit code 1)
 * are different types so that callers can tell them apart.
 */

/** Stable error codes. */
export const ErrorCodes = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  PLUGIN_UNKNOWN: 'PLUGIN_UNKNOWN',
  PLUGIN_DUPLICATE: 'PLUGIN_DUPLICATE',
  PLUGIN_LOAD: 'PLUGIN_LOAD',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  NUMERICAL_NON_FINITE: 'NUMERICAL_NON_FINITE',
  NUMERICAL_STEP_UNDERFLOW: 'NUMERICAL_STEP_UNDERFLOW',
  NUMERICAL_MAX_STEPS: 'NUMERICAL_MAX_STEPS',
  NUMERICAL_NO_CONVERGENCE: 'NUMERICAL_NO_CONVERGENCE',
  TRACKING: 'TRACKING',
  TRACKING_UNAVAILABLE: 'TRACKING_UNAVAILABLE',
  INTERRUPTED: 'INTERRUPTED',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error odelab raises on purpose. */
export class OdelabError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Bad input from the user: an experiment file, a `--set` override, a CLI flag,
 * plugin options. Raised before any work starts; the CLI exits with code 2.
 */
export class ConfigError extends OdelabError {
  /** The config path at fault (`train.lr`), or '' when the whole input is. */
  readonly path: string;
  constructor(path: string, message: string, code: ErrorCode = ErrorCodes.CONFIG_INVALID) {
    super(code, message);
    this.path = path;
  }
}

/** A plugin name that is not registered; the message lists the available names. */
export class UnknownPluginError extends ConfigError {
  constructor(path: string, kind: string, name: string, available: readonly string[]) {
    const list = available.length ? available.map((n) => `'${n}'`).join(', ') : '(none registered)';
    super(path, `${path}: unknown ${kind} plugin '${name}'; available: ${list}`, ErrorCodes.PLUGIN_UNKNOWN);
  }
}

/** A requested tensor backend that is not installed or cannot start. */
export class BackendUnavailableError extends ConfigError {
  constructor(message: string) {
    super('backend', message, ErrorCodes.BACKEND_UNAVAILABLE);
  }
}

/** A numerical failure inside the solver or the training loop (exit code 1). */
export class NumericalError extends OdelabError {
  /** The integration time or training step at which it happened, when known. */
  readonly at?: number;
  constructor(code: ErrorCode, message: string, at?: number) {
    super(code, message);
    this.at = at;
  }
}

/** A failure talking to the tracking store. */
export class TrackingError extends OdelabError {
  constructor(message: string, options?: { cause?: unknown }, code: ErrorCode = ErrorCodes.TRACKING) {
    super(code, message, options);
  }
}

/**
 * The tracking server could not be reached, or kept answering with a
 * transient status (408, 429, 5xx), after the transport's retries: the
 * request may succeed later, so the run's records stay in the spool.
 * Any other TrackingError is final (a 4xx the server will repeat).
 */
export class TrackingUnavailableError extends TrackingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, ErrorCodes.TRACKING_UNAVAILABLE);
  }
}

/** The run was interrupted (Ctrl-C / SIGTERM). */
export class InterruptedError extends OdelabError {
  constructor(signal: string) {
    super(ErrorCodes.INTERRUPTED, `interrupted by ${signal}`);
  }
}

/** True for errors that mean "the user's input is wrong" (exit code 2). */
export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}
