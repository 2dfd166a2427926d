/** libheif-js ships types for its default entry only; heif.ts describes the part it uses. */
declare module 'libheif-js/wasm-bundle' {
  const libheif: unknown;
  export default libheif;
}
