/**
 * Timing print (not a test) for the host-side linear algebra at the GN step's sizes
 * (batch n = 1024, m = d/2 = 1536 right-hand sides). Prints wall and CPU seconds.
 * Run: npx tsx scripts/bench-linalg.ts [n] [m]
 */
import { cholesky, choleskySolve, gramPinvSolve, symEig, symEigvals } from '../src/linalg/index.js';
import { Rng } from '../src/util/rng.js';

const n = Number(process.argv[2] ?? 1024);
const m = Number(process.argv[3] ?? 1536);
const rng = new Rng(1);

/** An r x c matrix with N(0,1) entries. */
function randn(r: number, c: number): Float64Array {
  const a = new Float64Array(r * c);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
}

/** G = A A^T for the r x c matrix A. */
function gram(a: Float64Array, r: number, c: number): Float64Array {
  const g = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += a[i * c + k]! * a[j * c + k]!;
      g[i * r + j] = s;
      g[j * r + i] = s;
    }
  }
  return g;
}

/** Runs f once, prints wall and CPU time. */
function time<T>(label: string, f: () => T): T {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = f();
  const cpu = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(50)} wall ${wall.toFixed(2)} s   cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);
  return out;
}

const rank = Math.min(393, n);
const full = gram(randn(n, 2 * n), n, 2 * n); // full rank, Marchenko-Pastur-like spectrum
const lowRank = gram(randn(n, rank), n, rank); // like MNIST block 1 (rank <= d/2 + 1 = 393)
const rhs = randn(n, m);
console.log(`n = ${n}, m = ${m}, node ${process.version}`);
time('symEig (full rank)', () => symEig(full, n));
time(`symEig (rank ${rank})`, () => symEig(lowRank, n));
time('symEigvals (full rank)', () => symEigvals(full, n));
const l = time('cholesky', () => cholesky(full, n))!;
time(`choleskySolve (m = ${m})`, () => choleskySolve(l, n, rhs, m));
for (const [label, g, opts] of [
  ['truncated, full rank', full, {}],
  ['truncated, full rank, forceEig', full, { forceEig: true }],
  [`truncated, rank ${rank}`, lowRank, {}],
  [`damped 1e-3, rank ${rank}`, lowRank, { method: 'damped', damping: 1e-3 }],
] as const) {
  const r = time(`gramPinvSolve ${label}`, () => gramPinvSolve(g, n, rhs, m, opts));
  console.log(`  -> method ${r.method}, rank ${r.rank}, cond ${r.cond.toExponential(3)}`);
}
