/**
 * How a test starts the real `peer` command as a child process. `npm test` (test/run.sh) bundles the
 * CLI from the sources of that run (`scripts/build.mjs --cli-only`, what ships in dist/cli/) and names
 * its entry in PEER_TEST_CLI: a child then starts in about 0.25 CPU s instead of about 1.5 through tsx,
 * which was most of the CLI tests' time (CONTRIBUTING.md, Tests). A file run alone
 * (`node --import tsx --test test/cli/x.test.ts`) runs the sources through tsx; neither is ever stale.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the CLI's source entry point. */
const PEER_ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../cli/entry.ts");

/** The bundle test/run.sh built for this run, if any (an absolute path to its entry.js). @default unset */
const bundle = process.env.PEER_TEST_CLI;

/**
 * Node arguments that run `peer`: `[...PEER_NODE_ARGS, ...args]`. Without a bundle, tsx is given as a
 * resolved URL: a bare "tsx" would be looked up from the child's cwd (a temp dir).
 */
export const PEER_NODE_ARGS: readonly string[] = bundle
  ? [path.resolve(bundle)]
  : ["--import", import.meta.resolve("tsx"), PEER_ENTRY];
