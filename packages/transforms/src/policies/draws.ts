// What an automatic policy draws for one sample, as a pure function of its stream key (seed,
// stage, epoch, source index): the ops in order with their magnitudes and signs, and AugMix's
// mixing weights. policyImages applies exactly this; policyDraws hands it out for a replay.
import { randomUniform, RandomStage, stageTag, streamKey } from '@idxflow/core/internal';
import { AUTO_AUGMENT_POLICIES } from './autoPolicies.js';
import { augMixSpace, autoAugmentSpace, randAugmentSpace, trivialAugmentSpace, type OpSpace, type PolicyOp } from './space.js';
import type { PolicySpec } from './spec.js';
import { logGammaVariate } from '../draws.js';
import type { SampleKey } from '../sampleDraws.js';

/** One op a policy chose for a sample. */
export interface PolicyStep {
  /** torchvision's name of the op (`_apply_op`'s). */
  op: PolicyOp;
  /** The signed magnitude `_apply_op` receives (0 for ops without one; bits for Posterize, a byte level for Solarize). */
  magnitude: number;
  /** The magnitude bin (index into the op's table), or null for ops without a table. */
  bin: number | null;
  /** Whether the sign draw negated the magnitude (signed ops only). */
  negated: boolean;
  /** Whether the op runs: false when AutoAugment's probability draw fails. */
  applied: boolean;
}

/** What a policy drew for one sample. */
export interface PolicyDraws {
  /** Which policy. */
  kind: PolicySpec['kind'];
  /** The ops in the order they run: one chain, or AugMix's `width` chains, each applied to the original image. */
  chains: PolicyStep[][];
  /** AutoAugment: the sub-policy drawn (0 to 24). */
  subPolicy?: number;
  /** AugMix: the original image's weight and each chain's (float32 values), summed as `trunc(original * img + sum weights[i] * chain[i])`. */
  mix?: { original: number; weights: number[] };
}

/** Counters of a sample's RandomStage.policy stream. */
const DRAWS = {
  /** RandAugment: op k reads 2k (the op) and 2k + 1 (the sign). */
  randAugment: 0,
  /** TrivialAugmentWide: the op, the bin, the sign. */
  trivialOp: 0,
  trivialBin: 1,
  trivialSign: 2,
  /** AutoAugment: the sub-policy, two probabilities, two signs. */
  autoSubPolicy: 0,
  autoProbability: 1,
  autoSign: 3,
  /** AugMix chain c starts at 16 + 64 c: its depth, then the op, bin and sign of each step. */
  augMixChains: 16,
  /** AugMix's Gamma draws (a variable number of uniforms each) count up from here. */
  augMixGamma: 1 << 28,
} as const;

const spaces = new Map<string, OpSpace[]>();

/** The op space of `spec` for images of this size (cached: the tables are the same for every sample). */
export function spaceOf(spec: PolicySpec, height: number, width: number): OpSpace[] {
  const bins = spec.kind === 'randAugment' || spec.kind === 'trivialAugment' ? spec.bins : 10;
  // the last call's answer (a block's samples share the spec) skips building the key
  if (spec.kind === last.kind && bins === last.bins && height === last.height && width === last.width) return last.space;
  const id = `${spec.kind}:${bins}:${height}:${width}`;
  let space = spaces.get(id);
  if (space === undefined) {
    if (spec.kind === 'randAugment') space = randAugmentSpace(bins, height, width);
    else if (spec.kind === 'trivialAugment') space = trivialAugmentSpace(bins);
    else if (spec.kind === 'autoAugment') space = autoAugmentSpace(height, width);
    else space = augMixSpace(height, width);
    spaces.set(id, space);
  }
  last.kind = spec.kind;
  last.bins = bins;
  last.height = height;
  last.width = width;
  last.space = space;
  return space;
}

/** spaceOf's last answer. */
const last: { kind: PolicySpec['kind'] | ''; bins: number; height: number; width: number; space: OpSpace[] } = { kind: '', bins: 0, height: 0, width: 0, space: [] };

/** The stream key of a sample of a policy stage. */
export function policyKey(key: SampleKey): number {
  return streamKey(key.seed, stageTag(RandomStage.policy, key.stage ?? 0), key.epoch, key.index);
}

const pick = (key: number, counter: number, n: number): number => Math.min(n - 1, Math.floor(randomUniform(key, counter) * n));

function step(entry: OpSpace, bin: number | null, negate: boolean, applied = true): PolicyStep {
  const table = entry.magnitudes;
  const value = table === undefined || bin === null ? 0 : table[bin];
  const negated = entry.signed && negate;
  return { op: entry.op, magnitude: negated ? -value : value, bin: table === undefined ? null : bin, negated, applied };
}

/**
 * What a policy stage draws for one sample: the ops it applies, in order, with their signed
 * magnitudes (as torchvision's `_apply_op` receives them), and AugMix's weights. Replaying
 * these through `torchvision.transforms.autoaugment._apply_op` gives the stage's bytes.
 *
 * @param spec `policySpecOf(kind, options)`.
 * @param key Seed, stage (the block's `randomStages` count), epoch and source index.
 * @param height Image height (the translation tables of RandAugment, AutoAugment and AugMix scale with it).
 * @param width Image width.
 *
 * ## Example
 * ```ts
 * import { policyDraws, policySpecOf } from '@idxflow/transforms';
 * const draws = policyDraws(policySpecOf('randAugment', { ops: 2, magnitude: 9 }), { seed: 1, epoch: 0, index: 7 }, 28, 28);
 * console.log(draws.chains[0].map((s) => `${s.op}(${s.magnitude})`).join(', '));
 * ```
 */
export function policyDraws(spec: PolicySpec, key: SampleKey, height: number, width: number): PolicyDraws {
  const k = policyKey(key);
  const space = spaceOf(spec, height, width);
  switch (spec.kind) {
    case 'randAugment': {
      const chain: PolicyStep[] = [];
      for (let i = 0; i < spec.ops; i++) {
        const c = DRAWS.randAugment + 2 * i;
        chain.push(step(space[pick(k, c, space.length)], spec.magnitude, randomUniform(k, c + 1) >= 0.5));
      }
      return { kind: spec.kind, chains: [chain] };
    }
    case 'trivialAugment': {
      const entry = space[pick(k, DRAWS.trivialOp, space.length)];
      const bin = entry.magnitudes ? pick(k, DRAWS.trivialBin, entry.magnitudes.length) : null;
      return { kind: spec.kind, chains: [[step(entry, bin, randomUniform(k, DRAWS.trivialSign) >= 0.5)]] };
    }
    case 'autoAugment': {
      const policies = AUTO_AUGMENT_POLICIES[spec.policy];
      const subPolicy = pick(k, DRAWS.autoSubPolicy, policies.length);
      const chain = policies[subPolicy].map(([op, p, bin], i) => {
        const entry = space.find((s) => s.op === op)!;
        // torchvision: `probs[i] <= p`, a float32 draw against p as float32
        const applied = randomUniform(k, DRAWS.autoProbability + i) <= Math.fround(p);
        return step(entry, bin, randomUniform(k, DRAWS.autoSign + i) < 0.5, applied); // torchvision negates when signs[i] == 0
      });
      return { kind: spec.kind, chains: [chain], subPolicy };
    }
    default:
      return augMixDraws(spec, k, space);
  }
}

function augMixDraws(spec: Extract<PolicySpec, { kind: 'augMix' }>, k: number, space: OpSpace[]): PolicyDraws {
  const chains: PolicyStep[][] = [];
  for (let c = 0; c < spec.width; c++) {
    const base = DRAWS.augMixChains + 64 * c;
    const depth = spec.depth > 0 ? spec.depth : 1 + pick(k, base, 3);
    const chain: PolicyStep[] = [];
    for (let s = 0; s < depth; s++) {
      const entry = space[pick(k, base + 1 + 3 * s, space.length)];
      const bin = entry.magnitudes ? pick(k, base + 2 + 3 * s, spec.severity) : null;
      chain.push(step(entry, bin, randomUniform(k, base + 3 + 3 * s) >= 0.5));
    }
    chains.push(chain);
  }
  // torchvision: m ~ Dirichlet(alpha, alpha) (a Beta), weights ~ Dirichlet(alpha x width) * m[1]; float32.
  let counter: number = DRAWS.augMixGamma;
  const next = (): number => randomUniform(k, counter++);
  const gamma = (): number => Math.exp(logGammaVariate(spec.alpha, next));
  const g0 = gamma();
  const g1 = gamma();
  const original = Math.fround(g0 / (g0 + g1));
  const other = Math.fround(g1 / (g0 + g1));
  const g = Array.from({ length: spec.width }, gamma);
  const total = g.reduce((a, b) => a + b, 0);
  const weights = g.map((x) => Math.fround(Math.fround(x / total) * other));
  return { kind: spec.kind, chains, mix: { original, weights } };
}
