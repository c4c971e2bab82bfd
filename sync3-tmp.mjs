import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const origSI = globalThis.setImmediate;
let capture = null; let total = 0;
globalThis.setImmediate = function (fn, ...args) { total++; if (capture) { capture.push(() => fn(...args)); return { ref() { return this; }, unref() { return this; }, hasRef: () => false }; } return origSI(fn, ...args); };
const gpu = create(['backend=opengl']);
const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
const device = await adapter.requestDevice();
console.log('setImmediate calls so far', total);
function readSync(src, size) {
  const dst = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder(); enc.copyBufferToBuffer(src, 0, dst, 0, size); device.queue.submit([enc.finish()]);
  capture = [];
  let spins = 0, calls = 0, p, done = false;
  try {
    p = dst.mapAsync(GPUMapMode.READ).then(() => { done = true; });
    while (dst.mapState !== 'mapped' && spins < 1e5) { spins++; const fns = capture.splice(0); calls += fns.length; for (const f of fns) f(); }
  } finally { const left = capture; capture = null; for (const f of left) origSI(f); }
  console.log('state', dst.mapState, spins, calls, done);
  const out = new Float32Array(dst.getMappedRange().slice(0));
  dst.unmap(); dst.destroy();
  return { out, spins, calls };
}
const src = device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
device.queue.writeBuffer(src, 0, new Float32Array([1, 2, 3, 4]));
console.log(readSync(src, 16));
device.queue.writeBuffer(src, 0, new Float32Array([5, 6, 7, 8]));
console.log(readSync(src, 16));
const t0 = performance.now(); for (let i = 0; i < 100; i++) readSync(src, 16); console.log('100 reads ms', (performance.now() - t0).toFixed(1));
setTimeout(() => { console.log('timer ok'); device.destroy(); }, 10);
