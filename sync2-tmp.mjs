import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create(['backend=opengl']);
const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
const device = await adapter.requestDevice();
function readSync(src, size) {
  const dst = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder(); enc.copyBufferToBuffer(src, 0, dst, 0, size); device.queue.submit([enc.finish()]);
  const captured = [];
  const orig = globalThis.setImmediate;
  globalThis.setImmediate = (fn, ...args) => { captured.push(() => fn(...args)); return { ref() { return this; }, unref() { return this; }, hasRef: () => false, [Symbol.dispose]() {} }; };
  let spins = 0, calls = 0;
  let p;
  try {
    p = dst.mapAsync(GPUMapMode.READ);
    while (dst.mapState !== 'mapped' && spins < 1e6) { spins++; const fns = captured.splice(0); calls += fns.length; for (const f of fns) f(); }
  } finally { globalThis.setImmediate = orig; for (const f of captured.splice(0)) orig(f); }
  p.catch(() => {}); console.log("state", dst.mapState, spins, calls);
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
