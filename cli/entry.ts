/**
 * The process around `peer`: what bin/peer.js runs (compiled to dist/cli/entry.js
 * by `npm run build`, which `npm ci` runs through `prepare`) and what tests and
 * development run from source with `node --import tsx cli/entry.ts`.
 */
import "./young-generation.js";
import "./optimizing-compiler.js";

// Loaded only now, so that young-generation.ts and optimizing-compiler.ts apply before any other
// module (a static import would be evaluated first).
const { main } = await import("./main.js");

// `peer keys list --json | head -1`: a reader that went away is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// The command is done: a handle someone forgot to close (a keep-alive socket,
// a timer) must not keep the process alive. The timer is unref'd, so a clean
// exit happens at once and never waits for it.
setTimeout(() => process.exit(code), 2000).unref();
