/**
 * The Connect adapter serving PeerService and Health with the auth and call-log interceptors,
 * the fast ReadFile path in front of it, and the guards every request passes first.
 */
import type http from "node:http";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { PeerService } from "../../gen/peer/v1/peer_pb.js";
import { createAuthInterceptor } from "../auth/auth-interceptor.js";
import { createCallLogInterceptor } from "../logging/call-log-interceptor.js";
import type { RequestListener } from "../listen.js";
import type { ResolvedServerOptions } from "../options.js";
import { isGrpcRequest, specGrpcMessages } from "../rpc/grpc-message.js";
import { createFastReadFile, type FastRequest, type FastResponse } from "../rpc/fast-read-file/fast-read-file.js";
import { createRoutes } from "../routes.js";
import { isValidAuthority, localAuthority } from "../request-guard.js";
import type { RouteRequest, RouteResponse } from "../http/route-call.js";
import type { ServerExtension } from "../extension.js";
import type { PeerState } from "./peer-state.js";
import { sendJson } from "./send-json.js";

/** Test seams of the serving peer. @internal */
export interface PeerHooks {
  /** Called after ReadFile reads a chunk from disk, before it is sent. */
  readonly onChunkRead?: (itemId: string, offset: number, bytes: number) => void;
}

/** What {@link createRpcHandler} needs. */
export interface RpcHandlerOptions {
  readonly state: PeerState;
  readonly resolved: ResolvedServerOptions;
  readonly logger: Logger;
  /** Aborted by close(): new calls are refused, running streams end. */
  readonly shutdownSignal: AbortSignal;
  readonly hooks: PeerHooks;
  /** More services on the same router (server/extension.ts). */
  readonly extension: ServerExtension;
  /** Requests that are no RPC (the HTTP routes). */
  readonly fallback: (req: RouteRequest, res: RouteResponse) => void;
}

/** Returns the request listener; its request targets are already below the path prefix. */
export function createRpcHandler(options: RpcHandlerOptions): RequestListener {
  const { state, resolved, logger, shutdownSignal, hooks, extension } = options;
  const baseRoutes = createRoutes({
    catalog: state.catalog,
    limiter: state.limiter,
    serverName: resolved.serverName,
    shutdownSignal,
    pieces: state.hasher,
    retryAfterMs: resolved.retryAfterMs,
    onChunkRead: hooks.onChunkRead,
  });
  const adapter = connectNodeAdapter({
    routes: (router) => {
      baseRoutes(router);
      extension.routes?.(router);
    },
    readMaxBytes: resolved.readMaxBytes,
    shutdownSignal,
    interceptors: [
      createCallLogInterceptor({ logger, shutdownSignal }),
      createAuthInterceptor({
        authenticate: state.authenticate,
        protectedServices: [PeerService, ...(extension.services ?? [])],
      }),
    ],
    // connect-node narrows the type (no `write`); the object is the server's own response.
    fallback: (req, res) => options.fallback(req, res as unknown as RouteResponse),
  });
  // The fast path matches `/peer.v1.PeerService/ReadFile` on req.url, which the handler has
  // already taken the path prefix off, like the adapter's own routes.
  const fastReadFile = resolved.fastReadFile
    ? createFastReadFile({
        catalog: state.catalog,
        limiter: state.limiter,
        authenticate: state.authenticate,
        logger,
        readMaxBytes: resolved.readMaxBytes,
        shutdownSignal,
        onChunkRead: hooks.onChunkRead,
      })
    : undefined;

  return (req, res) => {
    const h2 = "authority" in req;
    if (!isValidAuthority(h2 ? req.authority : req.headers.host)) {
      // See request-guard.ts: connect-node would throw on it and crash the process.
      const replacement = localAuthority(req.socket?.localAddress, req.socket?.localPort);
      if (h2) req.headers[":authority"] = replacement;
      else req.headers.host = replacement;
    }
    // Every answer, JSON and text included (an unknown route's 404 echoes the path): never sniffed as HTML.
    res.setHeader("X-Content-Type-Options", "nosniff");
    // grpc-js reads `grpc-message` per the gRPC spec, not Connect-ES's encodeURIComponent (grpc-message.ts).
    if (isGrpcRequest(req.headers["content-type"])) specGrpcMessages(res);
    try {
      // Binary, uncompressed ReadFile calls; everything else goes to the adapter.
      if (fastReadFile?.(req as FastRequest, res as unknown as FastResponse)) return;
      (adapter as RequestListener)(req, res as http.ServerResponse);
    } catch (error) {
      // Never let one request take the process down.
      logger.error({ err: error, method: req.method }, "request handler threw");
      sendJson(res, 500, { code: "internal", message: "internal error" });
    }
  };
}
