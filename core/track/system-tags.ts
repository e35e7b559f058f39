/**
 * The standard tags of a run: MLflow's system tags and odelab's own.
 */
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { kernelsDescription } from '../tensor/kernels.ts';

/** The git commit of the repository containing `dir`, if any. */
export function gitCommit(dir: string): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
    const sha = out.toString().trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export interface RunTagInput {
  runName: string;
  sourceName: string;
  sourceDir: string;
  backend: string;
  seed: number;
}

function kernelsTag(): string {
  try {
    return kernelsDescription();
  } catch (e) {
    return `js (${(e as Error).message})`;
  }
}

/** MLflow system tags plus odelab.* tags (backend, seed, kernels, git commit). */
export function runTags(input: RunTagInput): Record<string, string> {
  const tags: Record<string, string> = {
    'mlflow.runName': input.runName,
    'mlflow.user': currentUser(),
    'mlflow.source.name': input.sourceName,
    'mlflow.source.type': 'LOCAL',
    'odelab.backend': input.backend,
    'odelab.seed': String(input.seed),
    // Which matrix kernels the host loops use in this process (core/tensor/kernels.ts, docs/kernels.md).
    'odelab.kernels': kernelsTag(),
  };
  const commit = gitCommit(input.sourceDir);
  if (commit) {
    tags['mlflow.source.git.commit'] = commit;
    tags['odelab.git_commit'] = commit;
  }
  return tags;
}
