/** Test helper: raw HTTP/1.1 and h2c requests that keep exact status, header fields and body bytes. */
import * as http from "node:http";
import * as http2 from "node:http2";

/** A complete response. */
export interface RawResponse {
  readonly status: number;
  /** Lower-case names; single values. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** A request. */
export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const flatten = (h: http.IncomingHttpHeaders | http2.IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(h)
      .filter(([k, v]) => !k.startsWith(":") && v !== undefined)
      .map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]),
  );

/** One HTTP/1.1 request on a fresh connection (no keep-alive, so nothing leaks between tests). */
export function request1(base: string, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // host/port/path options, not a URL string: a URL would normalise "/../" away before it is sent.
    const { hostname, port } = new URL(base);
    const options = {
      hostname,
      port,
      path: req.path,
      method: req.method ?? "GET",
      headers: { ...req.headers },
      agent: false,
    };
    const r = http.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: flatten(res.headers), body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    });
    r.on("error", reject);
    r.end();
  });
}

/** A reusable h2c session to `base`. */
export interface H2Client {
  request(req: RawRequest): Promise<RawResponse>;
  close(): void;
}

/** Connects an h2c (prior knowledge) client. */
export function connect2(base: string): H2Client {
  const session = http2.connect(base);
  session.on("error", () => undefined);
  return {
    request(req) {
      return new Promise((resolve, reject) => {
        const stream = session.request(
          { ":method": req.method ?? "GET", ":path": req.path, ...req.headers },
          { endStream: true },
        );
        let status = 0;
        let headers: Record<string, string> = {};
        const chunks: Buffer[] = [];
        stream.on("response", (h) => {
          status = Number(h[":status"]);
          headers = flatten(h);
        });
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => resolve({ status, headers, body: Buffer.concat(chunks) }));
        stream.on("error", reject);
      });
    },
    close() {
      session.close();
    },
  };
}

/** Item path of a share file: each segment percent-encoded. */
export function filePath(share: string, rel: string): string {
  return "/v1/files/" + [share, ...rel.split("/")].map(encodeURIComponent).join("/");
}
