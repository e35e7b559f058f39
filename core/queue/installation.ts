/**
 * Which odelab this process runs (package version and git commit when it is
 * a checkout). A queued sweep records the scheduler's; a worker compares it
 * with its own and says when they differ: the experiment's code travels with
 * the sweep, odelab's own code is each machine's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gitCommit } from '../track/context.ts';

export interface Installation {
  version: string;
  commit?: string;
}

const ROOT = new URL('../../', import.meta.url);
let cached: Installation | undefined;

export function installation(): Installation {
  if (!cached) {
    const { version } = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string };
    const commit = gitCommit(fileURLToPath(ROOT));
    cached = { version, ...(commit ? { commit } : {}) };
  }
  return cached;
}

/** `0.1.0 (a5fbfee1c2)` */
export function describeInstallation(i: Installation): string {
  return `${i.version}${i.commit ? ` (${i.commit.slice(0, 10)})` : ''}`;
}
