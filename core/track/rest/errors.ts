/**
 * The errors of odelab's MLflow REST client that core/errors.ts does not
 * already name.
 *
 * A tracking server that answers a request with a final 4xx (anything but
 * 408 and 429) raises `MlflowApiError`: MLflow will repeat that answer, so
 * the records are not worth keeping in the spool. Its message shows MLflow's
 * `error_code` and `message` from the body `{error_code, message}`, the
 * method and the endpoint, never a credential. Transient failures that
 * outlast the transport's retries are core's `TrackingUnavailableError`.
 */
import { TrackingError } from '../../errors.ts';

/** A final error answer from an MLflow tracking server (400, 401, 403, 404, ...). */
export class MlflowApiError extends TrackingError {
  /** The HTTP status. */
  readonly status: number;
  /** MLflow's `error_code` (`RESOURCE_DOES_NOT_EXIST`, ...), or `HTTP_<status>` when the body has none. */
  readonly errorCode: string;
  /** MLflow's `message`, or the start of the body when it is not MLflow's JSON. */
  readonly serverMessage: string;
  /** `METHOD /path` of the request (no query, no host, no credentials). */
  readonly endpoint: string;

  constructor(endpoint: string, status: number, errorCode: string, serverMessage: string) {
    super(`MLflow server refused ${endpoint}: ${status} ${errorCode}: ${serverMessage}`);
    this.status = status;
    this.errorCode = errorCode;
    this.serverMessage = serverMessage;
    this.endpoint = endpoint;
  }
}

/** True when `e` is an MLflow API error with this error code (e.g. `RESOURCE_DOES_NOT_EXIST`). */
export function isMlflowError(e: unknown, errorCode: string): e is MlflowApiError {
  return e instanceof MlflowApiError && e.errorCode === errorCode;
}
