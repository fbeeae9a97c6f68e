// The automatic policies' flags of preview, export and serve: --auto-augment, --rand-augment,
// --trivial-augment and --augmix, their bounds, and the stage they become. A policy runs after
// the augment() pass of the other augmentation flags (geometry, then the pixel steps) and
// before normalisation, as torchvision recipes compose them (RandAugment after the crop and
// flip, before ToTensor and Normalize). One policy at most: two would need an order the
// command line cannot say. --policy-interpolation and --policy-fill are the policy's own
// (torchvision's `interpolation` and `fill` of the policy), apart from augment()'s --interpolation
// and --fill: the policy resamples again, with torchvision's defaults.
import { policySpecOf, type PolicyResampleOptions, type PolicySpec } from '@idxflow/transforms';
import { UsageError } from './usageError.js';
import { onlyWith, type FlagRule, type FlagSpec } from './flags.js';
import { decimal, decimalIn, integerIn, shown } from './numbers.js';

const POLICIES = ['imagenet', 'cifar10', 'svhn'] as const;

function autoAugmentFlag(text: string, resample: PolicyResampleOptions = {}): PolicySpec {
  if (!(POLICIES as readonly string[]).includes(text)) throw new UsageError(`Expected one of ${POLICIES.join(', ')} for --auto-augment but received ${shown(text)}`);
  return policySpecOf('autoAugment', { policy: text as (typeof POLICIES)[number], ...resample });
}

/** OPS:MAGNITUDE[:BINS]. */
function randAugmentFlag(text: string, resample: PolicyResampleOptions = {}): PolicySpec {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3) throw new UsageError(`Expected OPS:MAGNITUDE or OPS:MAGNITUDE:BINS for --rand-augment (torchvision's default 2:9:31) but received ${shown(text)}`);
  const bins = parts.length === 3 ? integerIn('rand-augment', parts[2], 2, 1000, ' (BINS)') : 31;
  const ops = integerIn('rand-augment', parts[0], 0, 64, ' (OPS)');
  const magnitude = integerIn('rand-augment', parts[1], 0, bins - 1, ` (MAGNITUDE, a bin below BINS ${bins})`);
  return policySpecOf('randAugment', { ops, magnitude, bins, ...resample });
}

/** SEVERITY[:WIDTH[:DEPTH[:ALPHA]]]. */
function augMixFlag(text: string, resample: PolicyResampleOptions = {}): PolicySpec {
  const parts = text.split(':');
  if (parts.length > 4) throw new UsageError(`Expected SEVERITY[:WIDTH[:DEPTH[:ALPHA]]] for --augmix (torchvision's default 3:3:-1:1) but received ${shown(text)}`);
  const severity = integerIn('augmix', parts[0], 1, 10, ' (SEVERITY)');
  const width = parts[1] === undefined ? 3 : integerIn('augmix', parts[1], 1, 64, ' (WIDTH)');
  const depth = parts[2] === undefined ? -1 : integerIn('augmix', parts[2], -1, 16, ' (DEPTH: -1 draws 1 to 3)');
  if (depth === 0) throw new UsageError(`Expected DEPTH -1 (1 to 3 drawn) or 1 to 16 for --augmix but received ${shown(text)}`);
  const alpha = parts[3] === undefined ? 1 : decimal('augmix', parts[3], text);
  if (!(alpha > 0 && alpha <= 1e6)) throw new UsageError(`Expected ALPHA within (0, 1000000] for --augmix but received ${shown(text)}`);
  return policySpecOf('augMix', { severity, width, depth, alpha, ...resample });
}

/** The policy flags; each `check` is the conversion policyOf() runs. */
export const POLICY_FLAGS = {
  'auto-augment': { type: 'string', arg: POLICIES.join('|'), help: "torchvision's AutoAugment with a learned policy (svhn: learned on digits), after the steps above, before --normalize", check: autoAugmentFlag },
  'rand-augment': { type: 'string', arg: 'OPS:MAGNITUDE[:BINS]', help: "torchvision's RandAugment(OPS, MAGNITUDE, BINS), e.g. 2:9 (BINS default 31)", check: randAugmentFlag },
  'trivial-augment': { type: 'boolean', help: "torchvision's TrivialAugmentWide (31 bins)" },
  augmix: { type: 'string', arg: 'SEVERITY[:WIDTH[:DEPTH[:ALPHA]]]', help: "torchvision's AugMix, e.g. 3 or 3:3:-1:1 (its defaults)", check: augMixFlag },
} as const satisfies Record<string, FlagSpec>;

function interpolationFlag(text: string): 'nearest' | 'bilinear' {
  if (text !== 'nearest' && text !== 'bilinear') throw new UsageError(`Expected nearest or bilinear for --policy-interpolation but received ${shown(text)}`);
  return text;
}

const fillFlag = (text: string): number => decimalIn('policy-fill', text, [0, 255], 'a byte value');

/** How the policy's geometric ops resample; each `check` is the conversion policyOf() runs. */
export const POLICY_RESAMPLE_FLAGS = {
  'policy-interpolation': { type: 'string', arg: 'nearest|bilinear', help: "resampling of the policy's geometric ops (default torchvision's: nearest, AugMix bilinear)", check: interpolationFlag },
  'policy-fill': { type: 'string', arg: 'V', help: "value outside the image after the policy's geometric ops, 0 to 255 (default 0)", check: fillFlag },
} as const satisfies Record<string, FlagSpec>;

const NAMES = Object.keys(POLICY_FLAGS) as (keyof typeof POLICY_FLAGS)[];

/** One policy flag at most: their order would be ambiguous. --policy-interpolation and --policy-fill only with one. */
export const POLICY_RULES: readonly FlagRule[] = [
  ...(['policy-interpolation', 'policy-fill'] as const).map((flag) =>
    onlyWith(flag, ({ given }) => NAMES.some((name) => given.has(name)), `an automatic policy (--${NAMES.join(', --')})`, () => 'none of them'),
  ),
  ({ given }) => {
    const policies = NAMES.filter((flag) => given.has(flag));
    if (policies.length > 1) {
      throw new UsageError(`Expected one automatic policy but received --${policies[0]} and --${policies[1]}: which runs first is not for the command line to guess (chain randAugment(), autoAugment(), ... in code)`);
    }
  },
];

/** The policy the flags ask for, or undefined. */
export function policyOf(flags: Record<string, string | boolean | undefined>): PolicySpec | undefined {
  const resample: PolicyResampleOptions = {};
  if (typeof flags['policy-interpolation'] === 'string') resample.interpolation = interpolationFlag(flags['policy-interpolation']);
  if (typeof flags['policy-fill'] === 'string') resample.fill = fillFlag(flags['policy-fill']);
  if (typeof flags['auto-augment'] === 'string') return autoAugmentFlag(flags['auto-augment'], resample);
  if (typeof flags['rand-augment'] === 'string') return randAugmentFlag(flags['rand-augment'], resample);
  if (flags['trivial-augment'] === true) return policySpecOf('trivialAugment', resample);
  if (typeof flags.augmix === 'string') return augMixFlag(flags.augmix, resample);
  return undefined;
}
