/**
 * Environment variables where there are any: `process.env` in Node, nothing in a browser (the
 * lecture page runs the same library modules, which must not touch `process` there).
 *
 * @example
 * envVar('EXACT_GN_BACKEND'); // 'wasm', or undefined when unset or in a browser
 */
export function envVar(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}
