// The piscina worker file. In Node 20 a worker thread's `--import tsx` covers
// the worker file but not the TypeScript it imports dynamically (experiment
// files, plugins), so the thread registers tsx itself, then loads the task.
import { register } from 'tsx/esm/api';

register();
const { default: trialTask } = await import('./trial-worker.ts');
export default trialTask;
