#!/usr/bin/env node
// The `peer` command. Sources are TypeScript run through tsx, so the bin works
// right after `npm ci` with no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
