/**
 * Adam (Kingma & Ba 2015) over a fixed list of variables, written out instead of using
 * `tf.train.adam` because a checkpoint must be restorable synchronously
 * (`SearchStrategy.restore` returns void) and tfjs' optimizer only exposes its moments
 * through async `getWeights`/`setWeights`.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface AdamSettings {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

function zeroMoment(like: tf.Variable): tf.Variable {
  const zeros = tf.zerosLike(like);
  const moment = tf.variable(zeros, false);
  // The variable holds its own reference to the data.
  zeros.dispose();
  return moment;
}

export class Adam {
  /** Updates applied so far (for bias correction). */
  step = 0;
  readonly firstMoments: tf.Variable[];
  readonly secondMoments: tf.Variable[];

  constructor(
    private readonly variables: readonly tf.Variable[],
    private readonly settings: AdamSettings,
  ) {
    this.firstMoments = variables.map((v) => zeroMoment(v));
    this.secondMoments = variables.map((v) => zeroMoment(v));
  }

  /** `gradients[i]` belongs to `variables[i]`. */
  apply(gradients: readonly tf.Tensor[]): void {
    this.step++;
    const { learningRate, beta1, beta2, epsilon } = this.settings;
    const correctedRate = (learningRate * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step);
    tf.tidy(() => {
      this.variables.forEach((variable, i) => {
        const g = gradients[i]!;
        const m = this.firstMoments[i]!;
        const v = this.secondMoments[i]!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        variable.assign(tf.sub(variable, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsilon)), correctedRate)));
      });
    });
  }

  dispose(): void {
    tf.dispose([...this.firstMoments, ...this.secondMoments]);
  }
}
