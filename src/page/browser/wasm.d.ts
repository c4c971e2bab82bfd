// esbuild's base64 loader (src/page/bundle.ts): importing a .wasm file gives its bytes as base64 text.
declare module '*.wasm' {
  const base64: string;
  export default base64;
}
