#!/usr/bin/env node
// The `peer` command. Sources are TypeScript run through tsx, so the bin works
// right after `npm ci` with no build step.
import { register } from "tsx/esm/api";

// `peer keys list --json | head -1`: a reader that went away is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

register();
const { main } = await import("../cli/main.ts");
const code = await main(process.argv.slice(2));
process.exitCode = code;
// The command is done: a handle someone forgot to close (a keep-alive socket,
// a timer) must not keep the process alive. The timer is unref'd, so a clean
// exit happens at once and never waits for it.
setTimeout(() => process.exit(code), 2000).unref();
