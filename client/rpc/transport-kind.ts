/**
 * The transports a client can use, in a module that loads nothing else, so the
 * CLI can list them in `--help` without loading Connect (docs/performance.md).
 */

/** How the client reaches a peer. */
export type TransportKind = "connect" | "connect-h2" | "grpc" | "http";

/** The transports, for option parsing. */
export const TRANSPORT_KINDS: readonly TransportKind[] = ["connect", "connect-h2", "grpc", "http"];
