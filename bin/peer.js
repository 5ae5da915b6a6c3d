#!/usr/bin/env node
// The `peer` command. It runs the bundle that `npm ci` builds into dist/cli/
// (the `prepare` script, `npm run build`, scripts/build.mjs): loading TypeScript through tsx at
// run time cost seconds per start (docs/performance.md). Tests and development
// run the sources instead: `node --import tsx cli/entry.ts`.
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/entry.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "peer: the compiled CLI is missing (dist/cli/entry.js).\n" +
      "Run `npm ci` (or `npm run build`) in the peer repository, then try again.\n",
  );
  process.exit(1);
}
await import(entry.href);
