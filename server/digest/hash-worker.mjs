// Entry point of the hash worker thread. Worker threads do not inherit tsx's
// loader hooks from the main thread, so this plain-JS file registers tsx and
// then loads the TypeScript body (the same as bin/peer.js does).
import { register } from "tsx/esm/api";

register();
await import("./hash-worker.ts");
