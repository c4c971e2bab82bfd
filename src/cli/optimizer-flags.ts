/**
 * The flags of K-FAC's and damped GN's options, shared by `exact-gn step` and `exact-gn run --preset`:
 * what the parser accepts, and the option objects they make. Each flag applies to one optimizer;
 * given to another it is an error naming the flag (a flag that silently does nothing would change
 * nothing the user asked for). Ranges beyond "a number" are checked by kfacOptions/dampedGnOptions,
 * whose errors name the option (kfac.decay, lm.lower, ...).
 */
import type { FlagSpec, Parsed } from './args.js';
import { numberFlag, stringFlag } from './args.js';
import { ConfigError } from '../util/errors.js';
import { KFAC_CURVATURES, KFAC_HESSIANS, KFAC_SPLITS, type KFACOptions } from '../optim/kfac.js';
import { LAMBDA_ADAPTATIONS, type DampedGNOptions } from '../optim/damped-gn.js';

/** K-FAC flag -> help text (the defaults are DEFAULT_KFAC's). */
export const KFAC_FLAGS: Record<string, string> = {
  'kfac-damping': 'K-FAC: Tikhonov damping lambda of (Abar ⊗ Gbar + lambda), > 0 (default 1e-2)',
  'inv-every': 'K-FAC: recompute the factor inverses every N steps (step 1 always; default 10)',
  decay: 'K-FAC: running-average decay of the factors, in [0, 1) (default 0.95)',
  split: 'K-FAC: how the damping is split between the factors: pi (default), sqrt or exact (Abar ⊗ Gbar + lambda I itself)',
  hessian: 'K-FAC: output Hessian of the GGN: identity (default, as behind the paper\'s GN target) or ce (the cross-entropy Hessian)',
  curvature: 'K-FAC: G factor from all k logit directions (exact, default) or one sampled direction per sample (sampled)',
};

/** Damped GN (Levenberg-Marquardt) flag -> help text (lambda starts at --damping; defaults are DEFAULT_DAMPED_GN's). */
export const LM_FLAGS: Record<string, string> = {
  adapt: 'damped GN: gain-ratio (default: lambda x 2/3 after a step with rho > 3/4, x 3/2 after rho < 1/4) or fixed (lambda stays at --damping)',
  'lambda-min': 'damped GN: lower bound of the adapted lambda (default 1e-8)',
  'lambda-max': 'damped GN: upper bound of the adapted lambda (default 1e8)',
  reject: 'damped GN: undo a step that raised the batch loss (default off: every step is kept)',
};

/** The parser spec of every flag above. */
export const OPTIMIZER_FLAG_SPEC: Record<string, FlagSpec> = {
  ...Object.fromEntries(Object.keys(KFAC_FLAGS).map((f) => [f, { type: 'string' } as FlagSpec])),
  ...Object.fromEntries(Object.keys(LM_FLAGS).filter((f) => f !== 'reject').map((f) => [f, { type: 'string' } as FlagSpec])),
  reject: { type: 'boolean' },
};

function oneOf<T extends string>(p: Parsed, flag: string, allowed: readonly T[]): T | undefined {
  const v = stringFlag(p, flag);
  if (v !== undefined && !allowed.includes(v as T)) throw new ConfigError(`--${flag}`, `unknown value ${JSON.stringify(v)}; use one of ${allowed.join(', ')}`);
  return v as T | undefined;
}

/**
 * K-FAC and damped-GN options from the flags, for optimizer `name`; a flag of the other (or of
 * neither, for gn/sgd/adam) is a ConfigError naming it.
 *
 * @example
 * optimizerFlagOptions(parseArgs(['--inv-every', '5'], OPTIMIZER_FLAG_SPEC, 'step'), 'kfac'); // { kfac: { invEvery: 5 } }
 */
export function optimizerFlagOptions(p: Parsed, name: string): { kfac?: Partial<KFACOptions>; lm?: Partial<DampedGNOptions> } {
  const kfac: Partial<KFACOptions> = {};
  const damping = numberFlag(p, 'kfac-damping', { exclusiveMin: 0 });
  if (damping !== undefined) kfac.damping = damping;
  const invEvery = numberFlag(p, 'inv-every', { integer: true, min: 1 });
  if (invEvery !== undefined) kfac.invEvery = invEvery;
  const decay = numberFlag(p, 'decay', { min: 0 });
  if (decay !== undefined) kfac.decay = decay;
  const split = oneOf(p, 'split', KFAC_SPLITS);
  if (split !== undefined) kfac.split = split;
  const hessian = oneOf(p, 'hessian', KFAC_HESSIANS);
  if (hessian !== undefined) kfac.hessian = hessian;
  const curvature = oneOf(p, 'curvature', KFAC_CURVATURES);
  if (curvature !== undefined) kfac.curvature = curvature;

  const lm: Partial<DampedGNOptions> = {};
  const adapt = oneOf(p, 'adapt', LAMBDA_ADAPTATIONS);
  if (adapt !== undefined) lm.adapt = adapt;
  const min = numberFlag(p, 'lambda-min', { exclusiveMin: 0 });
  if (min !== undefined) lm.min = min;
  const max = numberFlag(p, 'lambda-max', { exclusiveMin: 0 });
  if (max !== undefined) lm.max = max;
  if (p.flags.reject !== undefined) lm.reject = p.flags.reject === true;

  const given = (flags: Record<string, string>) => Object.keys(flags).filter((f) => p.flags[f] !== undefined);
  if (name !== 'kfac' && given(KFAC_FLAGS).length > 0) {
    throw new ConfigError(`--${given(KFAC_FLAGS)[0]}`, `is a K-FAC option; it needs --optimizer kfac (or a kfac preset), not ${JSON.stringify(name)}`);
  }
  if (name !== 'damped-gn' && given(LM_FLAGS).length > 0) {
    throw new ConfigError(`--${given(LM_FLAGS)[0]}`, `is a damped GN option; it needs --optimizer damped-gn (or a damped-gn preset), not ${JSON.stringify(name)}`);
  }
  return {
    ...(Object.keys(kfac).length ? { kfac } : {}),
    ...(Object.keys(lm).length ? { lm } : {}),
  };
}
