// Entry point of a hash worker thread (hash-pool.ts starts it). Worker threads do not inherit
// tsx's loader hooks from the main thread, so in the sources (tests, development) this file
// registers tsx and loads the TypeScript body. The build (scripts/build.mjs) replaces it: in
// dist/cli by hash-worker.ts bundled under this name beside the entry, in dist/lib by a line
// importing the compiled hash-worker.js; neither needs a loader.
const { register } = await import("tsx/esm/api");
register();
await import("./hash-worker.ts");
