/**
 * Checkpointed backprop (diffrax's RecursiveCheckpointAdjoint; Griewank &
 * Walther's binomial checkpointing): the exact discrete gradient, as
 * backprop's, storing only a few states and recomputing the steps between
 * them. Fixed-step methods place snapshots binomially (revolve), adaptive
 * ones online, their accepted steps replayed exactly.
 */
import { checkpointTrajectory, ConfigError, DEFAULT_CHECKPOINTS, definePlugin, s } from 'odelab/plugin';

/** checkpoints or memoryMiB, not both (checked at resolution, and again for a strategy made directly). */
function oneBudget(settings: { checkpoints?: number; memoryMiB?: number }): void {
  if (settings.checkpoints !== undefined && settings.memoryMiB !== undefined) {
    throw new ConfigError('gradient.memoryMiB', 'gradient.memoryMiB: give either checkpoints or memoryMiB, not both');
  }
}

export default definePlugin({
  kind: 'gradient',
  name: 'checkpoint',
  description: 'checkpointed backprop: exact discrete gradient from a few stored states, recomputing the rest (explicit methods)',
  options: s.object({
    checkpoints: s.integer({ min: 2 }).optional().describe(`snapshots in all, the initial state included (default ${DEFAULT_CHECKPOINTS})`),
    memoryMiB: s.number({ gt: 0 }).optional().describe('or a budget in MiB for the snapshots (sets the number of checkpoints)'),
  }),
  explicitOnly: true,
  checkOptions: oneBudget,
  create: (settings) => {
    oneBudget(settings);
    return { name: 'checkpoint', trajectory: (req) => checkpointTrajectory(req, settings) };
  },
});
