// elkjs's worker script, imported as text (esbuild `with { type: "text" }`) to start it from a blob:
// webviews cannot start a worker from their resource origin.
declare module "elkjs/lib/elk-worker.min.js" {
  const source: string;
  export default source;
}
