/**
 * Connect interceptor: every call to a protected service needs a valid API
 * key; the principal is put in the call's context values. Other services
 * (gRPC health) pass through without a key.
 */
import type { Interceptor } from "@connectrpc/connect";
import type { DescService } from "@bufbuild/protobuf";
import { authenticateRequest } from "./authenticate-request.js";
import type { Authenticate } from "./principal.js";
import { apiKeyFromHeaders } from "./token.js";
import { principalKey } from "../call-context.js";
import { requiredScope } from "./scope.js";

/** Options of {@link createAuthInterceptor}. */
export interface AuthInterceptorOptions {
  /** Checks a presented key (the key store's `authenticate`). */
  readonly authenticate: Authenticate;
  /** Services whose every method needs a key. */
  readonly protectedServices: readonly DescService[];
}

/** Creates the auth interceptor. Missing, unknown, expired and revoked keys all answer UNAUTHENTICATED alike. */
export function createAuthInterceptor(options: AuthInterceptorOptions): Interceptor {
  const protectedNames = new Set(options.protectedServices.map((s) => s.typeName));
  return (next) => async (req) => {
    if (!protectedNames.has(req.service.typeName)) return next(req);
    const required = requiredScope(`/${req.service.typeName}/${req.method.name}`);
    const auth = await authenticateRequest(options.authenticate, apiKeyFromHeaders(req.header), required);
    if (!auth.ok) throw auth.error;
    req.contextValues.set(principalKey, auth.principal);
    return next(req);
  };
}
