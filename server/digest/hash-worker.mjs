// Entry point of the hash worker thread. Worker threads do not inherit tsx's
// loader hooks from the main thread, so in the sources (tests, development)
// this file registers tsx and loads the TypeScript body. The build
// (scripts/build.mjs) bundles hash-worker.ts itself under this file's name
// beside dist/cli/entry.js, so bin/peer.js never runs this shim.
const { register } = await import("tsx/esm/api");
register();
await import("./hash-worker.ts");
