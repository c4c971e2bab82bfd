/**
 * Optional per-phase accounting of the optimizer steps (used by scripts/bench.ts): wall seconds and
 * GEMM-equivalent FLOPs of the matrix products run inside each named phase. Off (one null check per
 * phase) unless {@link recordPhases} is running. The cpu, blas and wasm backends run kernels
 * synchronously, so wall time is the phases' own time there (not on WebGPU).
 *
 * @example
 * const { result, phases } = recordPhases(() => gnUpdate(model, x, labels), () => blasFlopCount());
 * phases.get('Gram'); // { seconds: 0.05, flops: 4.3e9, calls: 4 }
 */

/** What one phase cost over a recording. */
export interface PhaseCost {
  seconds: number;
  flops: number;
  calls: number;
}

interface Recorder {
  phases: Map<string, PhaseCost>;
  flops: () => number;
  active: string | null;
}

let recorder: Recorder | null = null;

/** Runs fn as phase `name` (phases do not nest: an inner phase counts to the outer one). */
export function phase<T>(name: string, fn: () => T): T {
  const r = recorder;
  if (!r || r.active !== null) return fn();
  r.active = name;
  const f0 = r.flops();
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    const cost = r.phases.get(name) ?? { seconds: 0, flops: 0, calls: 0 };
    cost.seconds += (performance.now() - t0) / 1000;
    cost.flops += r.flops() - f0;
    cost.calls++;
    r.phases.set(name, cost);
    r.active = null;
  }
}

/**
 * Runs fn with phase accounting on; `flops` reads a running count of matrix-product FLOPs (e.g. the
 * blas backend's), default none.
 */
export function recordPhases<T>(fn: () => T, flops: () => number = () => 0): { result: T; phases: Map<string, PhaseCost> } {
  if (recorder) throw new Error('recordPhases: already recording');
  const r: Recorder = { phases: new Map(), flops, active: null };
  recorder = r;
  try {
    return { result: fn(), phases: r.phases };
  } finally {
    recorder = null;
  }
}
