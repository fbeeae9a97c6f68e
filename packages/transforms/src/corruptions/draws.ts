// A sample's random numbers for a corruption: the stream (seed, stage, epoch, index) read in a
// fixed order by the corruption's own code, so a sample's output does not depend on its block,
// its thread or the samples before it.
import { randomUniform } from '@idxflow/core/internal';

/** The draws of one sample, in order; `reset` starts the next sample's stream. */
export class SampleStream {
  private key = 0;
  private counter = 0;

  reset(key: number): void {
    this.key = key;
    this.counter = 0;
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    return randomUniform(this.key, this.counter++);
  }

  /** Uniform on [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.uniform();
  }

  /** An integer in [low, high), as numpy's `randint(low, high)`. */
  integer(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low));
  }

  /** -1 or 1, each half the time (the recipe's `choice([-1, 1])`). */
  sign(): number {
    return this.uniform() < 0.5 ? -1 : 1;
  }

  /** Standard normal (Box-Muller on two uniforms, the first kept away from 0). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Poisson of mean `lambda` (inversion of its distribution function on one uniform; the recipe's rates are at most 60). */
  poisson(lambda: number): number {
    const u = this.uniform();
    let p = Math.exp(-lambda);
    let sum = p;
    let k = 0;
    while (u > sum && k < 1000) {
      k++;
      p *= lambda / k;
      sum += p;
    }
    return k;
  }
}
