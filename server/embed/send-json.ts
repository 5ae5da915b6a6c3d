/** The JSON error answers of the peer's own (non-route) replies: 404, 500, 503. */
import type { RouteResponse } from "../http/route-call.js";

/** Writes `body` as JSON with `status`; only ends the response when headers already went out. */
export function sendJson(res: RouteResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.setHeader("content-length", Buffer.byteLength(text));
  (res as { end(text: string): void }).end(text);
}
