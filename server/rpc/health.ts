/**
 * gRPC health (grpc/doc/health-checking.md): answers without an API key so
 * load balancers and `grpc_health_probe` can use it.
 */
import { create } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import {
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from "../../gen/grpc/health/v1/health_pb.js";
import { fail } from "../errors.js";

/** Options of {@link createHealth}. */
export interface HealthOptions {
  /** Fully-qualified names of the services reported on ("" = the whole server is always known). */
  readonly services: readonly string[];
  /** Aborted when the server shuts down: status becomes NOT_SERVING. */
  readonly shutdownSignal: AbortSignal;
}

/** Creates the implementation of `grpc.health.v1.Health`. */
export function createHealth(options: HealthOptions) {
  const known = new Set(["", ...options.services]);
  const status = (service: string): HealthCheckResponse => {
    if (!known.has(service)) throw fail(Code.NotFound, `unknown service ${JSON.stringify(service.slice(0, 200))}`);
    return create(HealthCheckResponseSchema, {
      status: options.shutdownSignal.aborted ? ServingStatus.NOT_SERVING : ServingStatus.SERVING,
    });
  };
  return {
    async check(req: HealthCheckRequest): Promise<HealthCheckResponse> {
      return status(req.service);
    },
    async *watch(req: HealthCheckRequest, ctx: HandlerContext): AsyncGenerator<HealthCheckResponse> {
      yield status(req.service);
      // The status only changes at shutdown, which also ends this call.
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
    },
  };
}
