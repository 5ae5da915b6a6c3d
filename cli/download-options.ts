/**
 * The options `peer get` and `peer downloads run` share, with their defaults
 * taken from the engine's own (client/options.ts `DOWNLOAD_DEFAULTS`), so the
 * CLI and the SDK cannot disagree. Loads nothing heavy (`--help` stays fast).
 */
import { Option } from "commander";
import { DOWNLOAD_DEFAULTS } from "../client/internal.js";
import { TRANSPORT_KINDS } from "../client/internal.js";
import { argParser, parsePositiveInteger } from "./common.js";

/** `--concurrency <n>`; default DOWNLOAD_DEFAULTS.concurrency (3). */
export function concurrencyOption(): Option {
  return new Option("--concurrency <n>", "downloads at once")
    .default(DOWNLOAD_DEFAULTS.concurrency)
    .argParser(argParser(parsePositiveInteger));
}

/** `--per-peer <n>`; default DOWNLOAD_DEFAULTS.perPeer (2). */
export function perPeerOption(): Option {
  return new Option("--per-peer <n>", "downloads at once from one peer")
    .default(DOWNLOAD_DEFAULTS.perPeer)
    .argParser(argParser(parsePositiveInteger));
}

/** `--transport <kind>`; default DOWNLOAD_DEFAULTS.transport ("connect"). */
export function transportOption(): Option {
  return new Option("--transport <kind>", "how to reach the peer")
    .choices([...TRANSPORT_KINDS])
    .default(DOWNLOAD_DEFAULTS.transport);
}

/** Default of `--idle-timeout`, in seconds: DOWNLOAD_DEFAULTS.idleTimeoutMs (60 s). */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = DOWNLOAD_DEFAULTS.idleTimeoutMs / 1000;

/** `--idle-timeout <seconds>`; default {@link DEFAULT_IDLE_TIMEOUT_SECONDS}. */
export function idleTimeoutOption(description: string): Option {
  return new Option("--idle-timeout <seconds>", description)
    .default(DEFAULT_IDLE_TIMEOUT_SECONDS)
    .argParser(argParser(parsePositiveInteger));
}

/** `--overwrite`: replace a destination that holds other content; conflicts with `--rename`. Default off. */
export function overwriteOption(): Option {
  return new Option("--overwrite", "replace a file already at the destination with other content").conflicts("rename");
}

/** `--rename`: write `name (1).ext` (then (2)…) when the destination holds other content. Default off. */
export function renameOption(): Option {
  return new Option("--rename", "keep a file already at the destination; save as name (1).ext instead").conflicts(
    "overwrite",
  );
}

/**
 * What a job does with an existing destination, from `--overwrite` / `--rename` (commander
 * refuses both together); "refuse" without either (docs/downloads.md "Safe writes").
 */
export function onExistingOf(options: { overwrite?: boolean; rename?: boolean }): "refuse" | "overwrite" | "rename" {
  if (options.overwrite === true) return "overwrite";
  if (options.rename === true) return "rename";
  return "refuse";
}
