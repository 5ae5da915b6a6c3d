/**
 * Every row of docs/http.md over real sockets: GET and HEAD, on HTTP/1.1
 * and on h2c, against a real directory catalog.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseHttpDate } from "../../../common/http/http-date.js";
import { CASES, CASE_SIZES, fileBytes, fillHeaders, type Case } from "./helpers/cases.js";
import { connect2, filePath, request1, type H2Client, type RawRequest, type RawResponse } from "./helpers/client.js";
import { parseMultipart } from "./helpers/multipart.js";
import { SHARE, TEST_KEY, startRouteServers, type RouteServers } from "./helpers/route-servers.js";

const auth = { authorization: `Bearer ${TEST_KEY}` };
const name = (size: number): string => `f${size}.bin`;

/** Checks one response against its row; `get` is the GET answer when checking a HEAD. */
function check(row: Case, res: RawResponse, method: "GET" | "HEAD", bytes: Buffer, get?: RawResponse): void {
  assert.equal(res.status, row.expect.status, "status");
  const h = res.headers;
  assert.equal(h["content-encoding"], undefined, "never compressed");
  if (res.status === 200 || res.status === 206 || res.status === 304) {
    assert.match(h["etag"] ?? "", /^"[^"]+"$/, "strong ETag");
    assert.ok(parseHttpDate(h["last-modified"] ?? "") !== undefined, "Last-Modified");
  }
  if (method === "HEAD") {
    assert.equal(res.body.length, 0, "HEAD has no body");
    assert.ok(get);
    const strip = (x: Record<string, string>): Record<string, string> => {
      const { date: _d, "content-type": ct, ...rest } = x;
      return { ...rest, "content-type": (ct ?? "").replace(/boundary=.*/, "boundary=*") };
    };
    assert.deepEqual(strip(h), strip(get.headers), "HEAD mirrors GET's fields");
    return;
  }
  if (res.status !== 304) assert.equal(h["content-length"], String(res.body.length), "exact Content-Length");
  switch (res.status) {
    case 200:
      assert.equal(h["content-range"], undefined);
      assert.equal(h["accept-ranges"], "bytes");
      assert.ok(res.body.equals(bytes), "whole body");
      break;
    case 206: {
      const ranges = row.expect.ranges!;
      if (ranges.length === 1) {
        const [first, last] = ranges[0]!;
        assert.equal(h["content-range"], `bytes ${first}-${last}/${row.size}`);
        assert.ok(res.body.equals(bytes.subarray(first, last + 1)), "range body");
      } else {
        assert.equal(h["content-range"], undefined, "no top-level Content-Range");
        const parts = parseMultipart(res.body, h["content-type"] ?? "");
        assert.deepEqual(
          parts.map((p) => [p.first, p.last]),
          ranges.map(([a, b]) => [a, b]),
        );
        for (const p of parts) assert.ok(p.body.equals(bytes.subarray(p.first, p.last + 1)), "part body");
      }
      break;
    }
    case 304:
      assert.equal(res.body.length, 0);
      assert.equal(h["content-length"], undefined);
      break;
    case 416:
      assert.equal(h["content-range"], `bytes */${row.size}`);
      break;
  }
}

describe("docs/http.md over real sockets", () => {
  let servers: RouteServers;
  let h2: H2Client;
  const validators = new Map<number, { etag: string; lm: number }>();

  before(async () => {
    servers = await startRouteServers({ files: Object.fromEntries(CASE_SIZES.map((s) => [name(s), fileBytes(s)])) });
    h2 = connect2(servers.h2);
    for (const size of CASE_SIZES) {
      const res = await request1(servers.h1, { path: filePath(SHARE, name(size)), headers: auth });
      validators.set(size, { etag: res.headers["etag"]!, lm: parseHttpDate(res.headers["last-modified"]!)! });
    }
  });
  after(async () => {
    h2?.close();
    await servers?.close();
  });

  for (const transport of ["HTTP/1.1", "h2c"] as const) {
    describe(transport, () => {
      for (const row of CASES) {
        test(row.name, async () => {
          const v = validators.get(row.size)!;
          const send = (req: RawRequest): Promise<RawResponse> =>
            transport === "h2c" ? h2.request(req) : request1(servers.h1, req);
          const headers = { ...auth, ...fillHeaders(row.headers, v.etag, v.lm) };
          const path = filePath(SHARE, name(row.size));
          const bytes = fileBytes(row.size);
          const get = await send({ method: "GET", path, headers });
          check(row, get, "GET", bytes);
          const head = await send({ method: "HEAD", path, headers });
          check(row, head, "HEAD", bytes, get);
        });
      }
    });
  }
});
