// Entry point of the hash worker thread. Worker threads do not inherit tsx's
// loader hooks from the main thread. In dist/ (what bin/peer.js runs) the
// compiled hash-worker.js sits beside this file; in the sources (tests,
// development) this file registers tsx and loads the TypeScript body.
import { existsSync } from "node:fs";

const compiled = new URL("./hash-worker.js", import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./hash-worker.ts");
}
