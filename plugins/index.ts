/**
 * Every built-in plugin: the one list. Tests iterate over the registry built
 * from it, never over a second hand-kept list.
 */
import type { Plugin } from 'odelab/plugin';
import adjoint from './gradients/adjoint.ts';
import backprop from './gradients/backprop.ts';
import checkpoint from './gradients/checkpoint.ts';
import symplecticAdjoint from './gradients/symplectic-adjoint.ts';
import bosh3 from './integrators/bosh3.ts';
import dopri5 from './integrators/dopri5.ts';
import dopri8 from './integrators/dopri8.ts';
import euler from './integrators/euler.ts';
import heun from './integrators/heun.ts';
import implicitEuler from './integrators/implicit-euler.ts';
import implicitMidpoint from './integrators/implicit-midpoint.ts';
import leapfrog from './integrators/leapfrog.ts';
import midpoint from './integrators/midpoint.ts';
import radau5 from './integrators/radau5.ts';
import rk4 from './integrators/rk4.ts';
import trapezoid from './integrators/trapezoid.ts';
import tsit5 from './integrators/tsit5.ts';
import yoshida4 from './integrators/yoshida4.ts';
import delan from './models/delan.ts';
import hnn from './models/hnn.ts';
import mlp from './models/mlp.ts';
import resnet from './models/resnet.ts';
import lnn from './models/lnn.ts';
import bouncingBall from './systems/bouncing-ball.ts';
import chargedParticle from './systems/charged-particle.ts';
import doublePendulum from './systems/double-pendulum.ts';
import harmonicOscillator from './systems/harmonic-oscillator.ts';
import kepler from './systems/kepler.ts';
import nPendulum from './systems/n-pendulum.ts';
import pendulum from './systems/pendulum.ts';
import robertson from './systems/robertson.ts';
import rotatingFrame from './systems/rotating-frame.ts';
import spiral from './systems/spiral.ts';
import stiffSpringChain from './systems/stiff-spring-chain.ts';
import vanDerPolStiff from './systems/van-der-pol-stiff.ts';
import mlflowFile from './trackers/mlflow-file.ts';
import mlflowRest from './trackers/mlflow-rest.ts';

export const builtinPlugins: readonly Plugin[] = [spiral, harmonicOscillator, pendulum, doublePendulum, nPendulum, kepler, chargedParticle, rotatingFrame, robertson, vanDerPolStiff, stiffSpringChain, bouncingBall, mlp, hnn, delan, resnet, lnn, euler, midpoint, heun, rk4, bosh3, dopri5, tsit5, dopri8, leapfrog, yoshida4, implicitMidpoint, implicitEuler, trapezoid, radau5, backprop, adjoint, checkpoint, symplecticAdjoint, mlflowFile, mlflowRest];
