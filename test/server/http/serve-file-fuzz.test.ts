/**
 * Randomized (seeded) Range and If-* values: thousands through the pure
 * decision, hundreds over real sockets (HTTP/1.1 and h2c, GET and HEAD).
 * Nothing throws, nothing is 5xx, every Content-Range is valid, every 206
 * body is the file's bytes, multipart bodies parse back, and a 206 never
 * drops a satisfiable range that was asked for.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseHttpDate } from "../../../common/http/http-date.js";
import { parseRange } from "../../../common/http/range.js";
import { planResponse } from "../../../common/http/response-plan.js";
import { fileBytes } from "./helpers/cases.js";
import { connect2, filePath, request1, type H2Client, type RawResponse } from "./helpers/client.js";
import { Gen, checkInvariants, prng } from "./helpers/fuzz.js";
import { parseMultipart } from "./helpers/multipart.js";
import { renderPlan } from "./helpers/render-plan.js";
import { SHARE, TEST_KEY, startRouteServers, type RouteServers } from "./helpers/route-servers.js";

const SEED = Number(process.env["FUZZ_SEED"] ?? 20261125);

/** An independent, deliberately naive reading of a Range value: the satisfiable ranges asked for, or undefined if invalid. */
function wanted(header: string, size: number): [number, number][] | undefined {
  const eq = header.indexOf("=");
  if (eq <= 0 || !/^[A-Za-z]+$/.test(header.slice(0, eq)) || header.slice(0, eq).toLowerCase() !== "bytes")
    return undefined;
  const out: [number, number][] = [];
  let any = false;
  for (const raw of header.slice(eq + 1).split(",")) {
    const e = raw.replace(/^[ \t]+|[ \t]+$/g, "");
    if (e === "") continue;
    any = true;
    const m = /^(\d*)-(\d*)$/.exec(e);
    if (!m || (m[1] === "" && m[2] === "")) return undefined;
    if (m[1] === "") {
      const n = BigInt(m[2]!);
      if (n > 0n && size > 0) out.push([n >= BigInt(size) ? 0 : size - Number(n), size - 1]);
      continue;
    }
    const first = BigInt(m[1]!);
    const last = m[2] === "" ? undefined : BigInt(m[2]!);
    if (last !== undefined && last < first) return undefined;
    if (first < BigInt(size))
      out.push([Number(first), last === undefined || last >= BigInt(size) ? size - 1 : Number(last)]);
  }
  return any ? out : undefined;
}

/** The ranges a 206 served. */
function served(
  status: number,
  headers: Readonly<Record<string, string | undefined>>,
  body: Buffer,
): [number, number][] {
  if (status !== 206) return [];
  const ct = headers["content-type"] ?? "";
  if (ct.startsWith("multipart/")) return parseMultipart(body, ct).map((p) => [p.first, p.last]);
  const m = /^bytes (\d+)-(\d+)\//.exec(headers["content-range"] ?? "")!;
  return [[Number(m[1]), Number(m[2])]];
}

/** Checks that a 206 covers every satisfiable range asked for, and that 416 / ignore match the naive reading. */
function checkAgainstNaive(
  range: string,
  size: number,
  conditional: boolean,
  status: number,
  got: [number, number][],
  context: string,
): void {
  const asked = wanted(range, size);
  if (asked === undefined) {
    assert.ok(status !== 206 && status !== 416, `${context}: an invalid Range must be ignored, got ${status}`);
    return;
  }
  if (status === 416) assert.equal(asked.length, 0, `${context}: 416 although satisfiable`);
  if (!conditional && size > 0 && asked.length === 0)
    assert.equal(status, 416, `${context}: unsatisfiable must be 416`);
  if (status === 206) {
    for (const [a, b] of asked) {
      assert.ok(
        got.some(([x, y]) => x <= a && b <= y),
        `${context}: requested ${a}-${b} silently dropped from ${JSON.stringify(got)}`,
      );
    }
  }
}

const lower = (h: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

describe(`randomized Range / If-* (seed ${SEED})`, () => {
  test("5000 decisions: never throw, always valid", () => {
    const g = new Gen(prng(SEED));
    const sizes = [0, 1, 2, 64, 1000, 4096, 100_000];
    const etag = '"fuzz-1"';
    const modified = Date.UTC(2025, 0, 2, 3, 4, 5) + 678;
    const files = new Map(sizes.map((s) => [s, fileBytes(s, s + 1)]));
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const size = g.pick(sizes);
      const file = files.get(size)!;
      const headers: Record<string, string> = g.chance(0.85) ? { range: g.range(size) } : {};
      const conditionals = g.chance(0.3) ? g.conditionals(etag, modified) : {};
      Object.assign(headers, conditionals);
      const method = g.chance(0.8) ? "GET" : "HEAD";
      const context = `#${i} ${method} size=${size} ${JSON.stringify(headers)}`;
      assert.doesNotThrow(() => parseRange(headers["range"], size), context);
      const plan = planResponse({
        method,
        headers,
        boundary: "fuzzb",
        file: { size, etag, modified, contentType: "application/octet-stream", name: "f" },
      });
      const body = renderPlan(plan, file);
      checkInvariants({ status: plan.status, headers: lower(plan.headers), body }, file, context);
      if (headers["range"] !== undefined && Object.keys(conditionals).length === 0) {
        checkAgainstNaive(
          headers["range"],
          size,
          false,
          plan.status,
          served(plan.status, lower(plan.headers), body),
          context,
        );
      }
      seen.add(plan.status);
    }
    // The generator must reach every outcome, or the test proves little.
    assert.deepEqual([...seen].sort(), [200, 206, 304, 412, 416]);
  });

  describe("over real sockets", { timeout: 240_000 }, () => {
    const SIZES = [0, 1, 3000];
    let servers: RouteServers;
    let h2: H2Client;
    const validators = new Map<number, { etag: string; lm: number }>();
    before(async () => {
      servers = await startRouteServers({
        files: Object.fromEntries(SIZES.map((s) => [`f${s}`, fileBytes(s, s + 5)])),
        route: { chunkSize: 1024 },
      });
      h2 = connect2(servers.h2);
      for (const s of SIZES) {
        const r = await request1(servers.h1, {
          method: "HEAD",
          path: filePath(SHARE, `f${s}`),
          headers: { "x-api-key": TEST_KEY },
        });
        validators.set(s, { etag: r.headers["etag"]!, lm: parseHttpDate(r.headers["last-modified"]!)! });
      }
    });
    after(async () => {
      h2?.close();
      await servers?.close();
    });

    test("600 requests: h1 and h2c, GET and HEAD", async () => {
      const g = new Gen(prng(SEED + 1));
      const statuses = new Map<number, number>();
      for (let i = 0; i < 600; i++) {
        const size = g.pick([0, 1, 3000, 3000, 3000, 3000]);
        const file = fileBytes(size, size + 5);
        const v = validators.get(size)!;
        const headers: Record<string, string> = { authorization: `Bearer ${TEST_KEY}` };
        if (g.chance(0.9)) headers["range"] = g.range(size);
        const conditionals = g.chance(0.3) ? g.conditionals(v.etag, v.lm) : {};
        Object.assign(headers, conditionals);
        const method = g.chance(0.75) ? "GET" : "HEAD";
        const h2c = g.chance(0.5);
        const req = { method, path: filePath(SHARE, `f${size}`), headers };
        const context = `#${i} ${h2c ? "h2c" : "h1"} ${method} size=${size} ${JSON.stringify(headers)}`;
        const res: RawResponse = h2c ? await h2.request(req) : await request1(servers.h1, req);
        assert.ok(res.status < 500, `${context}: ${res.status}`);
        checkInvariants(
          { status: res.status, headers: res.headers, body: method === "HEAD" ? undefined : res.body },
          file,
          context,
        );
        if (method === "HEAD") assert.equal(res.body.length, 0, context);
        if (method === "GET" && headers["range"] !== undefined && Object.keys(conditionals).length === 0) {
          checkAgainstNaive(
            headers["range"],
            size,
            false,
            res.status,
            served(res.status, res.headers, res.body),
            context,
          );
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
      assert.ok(
        (statuses.get(206) ?? 0) > 30 && (statuses.get(200) ?? 0) > 50 && (statuses.get(416) ?? 0) >= 2,
        JSON.stringify([...statuses]),
      );
    });
  });
});
