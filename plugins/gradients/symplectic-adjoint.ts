/**
 * The symplectic adjoint (Matsubara, Miyatake & Yaguchi, NeurIPS 2021): the
 * states at each step are kept, and the backward pass integrates the adjoint
 * with the symplectic partner of the forward method, recomputing each step's
 * stages from its state: the exact discrete gradient at O(N + s) memory.
 */
import { definePlugin, s, symplecticAdjointTrajectory } from 'odelab/plugin';

export default definePlugin({
  kind: 'gradient',
  name: 'symplectic-adjoint',
  description: 'symplectic adjoint: exact discrete gradient from the states at each step (explicit methods)',
  options: s.object({}),
  explicitOnly: true,
  create: () => ({ name: 'symplectic-adjoint', trajectory: symplecticAdjointTrajectory }),
});
