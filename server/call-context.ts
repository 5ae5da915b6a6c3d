/**
 * Per-call values shared by interceptors and handlers through Connect's
 * context values: who is calling, and what the call did (for the log line).
 */
import { createContextKey } from "@connectrpc/connect";
import type { Principal } from "./auth/principal.js";

/** The authenticated caller; set by the auth interceptor, undefined for unauthenticated services (health). */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "peer principal" });

/** What a call did, filled by handlers and read by the logging interceptor. */
export interface CallStats {
  /** The item the call was about, if any. */
  itemId?: string;
  /** Payload bytes sent (file data only). */
  bytes: number;
}

/** Mutable stats of the current call; the logging interceptor puts a fresh object here. */
export const callStatsKey = createContextKey<CallStats | undefined>(undefined, { description: "peer call stats" });
