// Adapter search logic of src/backend/webgpu.ts: which Dawn configurations are tried, in which
// order, and that a machine without a usable adapter gets a reason quickly instead of a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  findWebGpuAdapter,
  gpuDevicePresent,
  sharedLibraryPresent,
  webgpuCandidates,
  webgpuOptions,
  type WebGpuOptions,
} from '../../src/backend/webgpu.js';

const ENV_KEYS = ['EXACT_GN_WEBGPU_FLAGS', 'EXACT_GN_WEBGPU_BACKEND', 'EXACT_GN_WEBGPU_SOFTWARE'] as const;

/** Runs `fn` with the WebGPU variables set as given (others unset), then restores them. */
function withEnv<T>(values: Partial<Record<(typeof ENV_KEYS)[number], string>>, fn: () => T): T {
  const saved = ENV_KEYS.map((k) => [k, process.env[k]] as const);
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, values);
  try {
    return fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const base: WebGpuOptions = { flags: null, backends: null, allowSoftware: false, timeoutMs: 1000 };

test('environment variables are parsed into options', () => {
  const o = withEnv(
    { EXACT_GN_WEBGPU_FLAGS: ' backend=opengl  enable-dawn-features=dump_shaders,disable_symbol_renaming ', EXACT_GN_WEBGPU_BACKEND: 'vulkan, opengl', EXACT_GN_WEBGPU_SOFTWARE: '1' },
    () => webgpuOptions(),
  );
  assert.deepEqual(o.flags, ['backend=opengl', 'enable-dawn-features=dump_shaders,disable_symbol_renaming']);
  assert.deepEqual(o.backends, ['vulkan', 'opengl']);
  assert.equal(o.allowSoftware, true);
  const none = withEnv({ EXACT_GN_WEBGPU_FLAGS: '   ' }, () => webgpuOptions());
  assert.equal(none.flags, null);
  assert.equal(none.backends, null);
  assert.equal(none.allowSoftware, false);
  assert.deepEqual(withEnv({}, () => webgpuOptions({ backends: ['opengles'] })).backends, ['opengles']);
});

test('explicit flags give one candidate; GL backends are requested in compatibility mode', () => {
  const gl = webgpuCandidates({ ...base, flags: ['backend=opengl', 'adapter=x'] });
  assert.deepEqual(gl.candidates, [{ label: 'opengl', flags: ['backend=opengl', 'adapter=x'], featureLevel: 'compatibility', allowSoftware: true }]);
  const vk = webgpuCandidates({ ...base, flags: ['backend=vulkan'] });
  assert.equal(vk.candidates[0]!.featureLevel, 'core');
  const plain = webgpuCandidates({ ...base, flags: ['enable-dawn-features=dump_shaders'] });
  assert.equal(plain.candidates[0]!.label, 'flags');
  // A backend list completes flags that name none.
  const both = webgpuCandidates({ ...base, flags: ['enable-dawn-features=x'], backends: ['opengles'] });
  assert.deepEqual(both.candidates[0]!.flags, ['enable-dawn-features=x', 'backend=opengles']);
  assert.equal(both.candidates[0]!.featureLevel, 'compatibility');
});

test('a backend list is tried in order and accepts software adapters', () => {
  const { candidates, skipped } = webgpuCandidates({ ...base, backends: ['vulkan', 'opengl', 'default'] });
  assert.deepEqual(
    candidates.map((c) => [c.label, c.flags.join(' '), c.featureLevel, c.allowSoftware]),
    [
      ['vulkan', 'backend=vulkan', 'core', true],
      ['opengl', 'backend=opengl', 'compatibility', true],
      ['default', '', 'core', true],
    ],
  );
  assert.deepEqual(skipped, []);
});

test('the default search refuses software adapters and says why a candidate was left out', () => {
  const { candidates, skipped } = webgpuCandidates(base);
  for (const c of candidates) assert.equal(c.allowSoftware, false);
  if (!gpuDevicePresent()) {
    assert.deepEqual(candidates, []);
    assert.match(skipped.join(';'), /no GPU device/);
  } else {
    assert.equal(candidates.some((c) => c.label === 'vulkan' && c.flags.length === 0), sharedLibraryPresent('libvulkan.so.1'));
    assert.equal(candidates.some((c) => c.label === 'opengl'), sharedLibraryPresent('libEGL.so'));
    assert.equal(candidates.length + skipped.length, 2);
  }
  // With software allowed the device check is skipped (CI's emulated GPU has no device node).
  const soft = webgpuCandidates({ ...base, allowSoftware: true });
  assert.ok(soft.candidates.every((c) => c.allowSoftware));
  assert.equal(soft.candidates.length + soft.skipped.length, 2);
});

test('shared libraries are looked up without loading them', () => {
  if (process.platform !== 'linux') return;
  assert.equal(sharedLibraryPresent('libc.so.6'), true);
  assert.equal(sharedLibraryPresent('libexact-gn-surely-absent.so.7'), false);
});

test('the default search ends with an adapter or a reason per candidate, never a hang', { timeout: 60_000 }, async () => {
  try {
    const a = await withEnv({}, () => findWebGpuAdapter(webgpuOptions({ timeoutMs: 20_000 })));
    assert.equal(a.software, false); // the default search only accepts hardware
    assert.ok(a.summary.length > 0);
  } catch (e) {
    assert.match((e as Error).message, /^no WebGPU adapter \(.+\)$/);
  }
});
