/**
 * The one place that imports tfjs. Everything else imports `tf` from here, so
 * that the engine (and its registered backends) is shared, whichever backend
 * package is loaded later.
 */
import * as tf from '@tensorflow/tfjs';

// Production mode skips tfjs's debug checks and its console banners.
tf.enableProdMode();

export { tf };
