/**
 * Headless Chromium for the lecture page's browser test and benchmark: Debian's chromium
 * (bash scripts/setup-chromium.sh installs it), driven by playwright-core, a new empty profile
 * per launch, nothing that phones home.
 *
 * WebGPU there is Chromium's SwiftShader (Vulkan on the CPU): --enable-unsafe-webgpu
 * --enable-features=Vulkan --use-vulkan=swiftshader --use-webgpu-adapter=swiftshader give an
 * adapter, and --use-angle=swiftshader is needed too: without it the compositor cannot back the
 * WebGPU canvas that tfjs-backend-webgpu reads synchronously through (dataSync), the GPU process
 * logs "Could not find SharedImageBackingFactory ... WebgpuSwapChainTexture", and every later
 * read-back fails with "A valid external Instance reference no longer exists".
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const QUIET = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const WEBGPU_SWIFTSHADER = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile; `webgpu` adds the SwiftShader WebGPU flags. */
export async function launch(webgpu: boolean): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/setup-chromium.sh (or set CHROMIUM=/path/to/chromium)`);
  const profile = mkdtempSync(join(tmpdir(), 'exact-gn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...QUIET, ...(webgpu ? WEBGPU_SWIFTSHADER : [])],
    viewport: { width: 1400, height: 1800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Clicks a button with the mouse (at its center) and returns once the click is delivered. Unlike
 * page.click, it does not then wait for navigations: a page step blocks the main thread for
 * seconds (tfjs reads results back synchronously), and page.click times out on that.
 */
export async function clickButton(page: Page, selector: string): Promise<void> {
  const el = page.locator(selector);
  const b = await el.boundingBox({ timeout: 60_000 });
  if (!b) throw new Error(`${selector} is not on the page`);
  for (let t = 0; !(await el.isEnabled()); t += 100) {
    if (t > 60_000) throw new Error(`${selector} stayed disabled for a minute`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
}
