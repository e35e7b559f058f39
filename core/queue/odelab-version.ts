/**
 * Which odelab this process runs: the version of odelab's package.json and,
 * when odelab is a git checkout, its commit. `odelab --version` prints the
 * version; a queued sweep records the scheduler's version and commit, and a
 * worker compares them with its own and says when they differ: the
 * experiment's code travels with the sweep, odelab's own code is each
 * machine's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gitCommit } from '../track/system-tags.ts';

export interface OdelabVersion {
  version: string;
  commit?: string;
}

const ROOT = new URL('../../', import.meta.url);
let cachedVersion: string | undefined;
let cached: OdelabVersion | undefined;

/** The `version` of odelab's package.json (no git call: cheap enough for every CLI start). */
export function packageVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

/** The package version and the checkout's commit, if odelab is one. */
export function odelabVersion(): OdelabVersion {
  if (!cached) {
    const commit = gitCommit(fileURLToPath(ROOT));
    cached = { version: packageVersion(), ...(commit ? { commit } : {}) };
  }
  return cached;
}

/** `0.1.0 (a5fbfee1c2)` */
export function describeOdelabVersion(v: OdelabVersion): string {
  return `${v.version}${v.commit ? ` (${v.commit.slice(0, 10)})` : ''}`;
}
