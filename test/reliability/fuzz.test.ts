// Fuzzing of the readers and parsers (issue 9): random and mutated inputs only ever produce a
// result consistent with the input or the library's documented error type, and never hang.
// The properties live in fixtures/fuzz-cases.ts; each runs in a worker under a watchdog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWithWatchdog } from './fixtures/watchdog.js';

const WORKER = new URL('./fixtures/fuzz-worker.ts', import.meta.url);
/** Far above the few seconds each case takes: only a hang (or a pathological slowdown) trips it. */
const DEADLINE_MS = 120_000;

const CASES: [name: string, what: string][] = [
  ['idx', 'IDX reader (raw and gzip): random bytes, mutated valid files, damaged gzip streams -> DataError or the exact bytes'],
  ['cifar', 'CIFAR-10 reader: random bytes, mutated records, a damaged file in a folder -> DataError or the exact records'],
  ['tar', 'tar reader of the CIFAR-10 download: random, mutated and checksum-valid hostile headers -> DataError, never a hang'],
  ['safetensors', 'safetensors decoder under the hang watchdog -> CheckpointError naming the file'],
  ['config', 'validateConfig: random values and edited valid configs -> ConfigError naming the field, or an idempotent config'],
  ['args', 'CLI argument parser: random argv -> ConfigError naming the flag (or the unexpected argument)'],
  ['checkpointConfig', 'the config in checkpoint metadata (>= 10,000 inputs, sealed with valid digests) -> CheckpointError naming the file, or the validated model; each input bounded'],
];

for (const [name, what] of CASES) {
  test(`fuzz ${name}: ${what}`, { timeout: DEADLINE_MS + 30_000 }, async (t) => {
    const r = await runWithWatchdog(WORKER, { name }, DEADLINE_MS);
    assert.ok(r.ok, r.ok ? '' : r.error);
    if (r.report) t.diagnostic(`${name}: ${JSON.stringify(r.report)}`);
  });
}
