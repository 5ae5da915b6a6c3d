#!/usr/bin/env -S node --max-semi-space-size=1
// The `peer` command. It runs the bundle that `npm ci` builds into dist/cli/
// (the `prepare` script, `npm run build`, scripts/build.mjs): loading TypeScript through tsx at
// run time cost seconds per start (docs/performance.md). Tests and development
// run the sources instead: `node --import tsx cli/entry.ts`.
//
// The first line holds V8's young generation at 1 MiB semi-spaces (Node's default lets them grow
// to 16 MiB): a `peer get` of 1 GiB peaked ≈ 15 MiB lower, at the same CPU (docs/performance.md
// "Client memory"). V8 reads the flag only when the process starts, so it is on the `#!` line
// (`env -S`, Linux coreutils >= 8.30, macOS, the BSDs); `node bin/peer.js` runs without it.
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
