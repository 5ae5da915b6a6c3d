/**
 * Share links over a real peer: real clients resume through them (curl -C -,
 * wget -c, ranges, multipart, conditional requests), folder links list only
 * their folder, and every way a link can be wrong answers the same 404. No
 * token ever reaches a log line.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { openLinkStore } from "../../../server/links/link-store.js";
import { openServerDatabase } from "../../../server/store/database.js";
import { captureLogger, startTestPeer, type TestPeer } from "../../helpers/peer-server.js";
import { fileBytes } from "../http/helpers/cases.js";

const run = promisify(execFile);
const SIZE = 6 * 1024 * 1024 + 333;
const BYTES = fileBytes(SIZE, 7);
const log = captureLogger();
let peer: TestPeer;
let work: string;
const tokens: string[] = [];

async function link(
  target: string,
  options: { maxDownloads?: number; expiresAt?: Date } = {},
): Promise<{ id: string; url: string; token: string }> {
  const created = await peer.server.links.create({ target, ...options });
  tokens.push(created.token);
  const { linkUrl } = await import("../../../server/links/link-path.js");
  return { id: created.id, token: created.token, url: linkUrl(peer.url, created.token, created.target) };
}

async function get(
  url: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, { headers, method });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

before(async () => {
  peer = await startTestPeer({
    logger: log.logger,
    files: {
      "movie.bin": BYTES,
      "dir/a.txt": "alpha\n",
      "dir/sub/b.txt": "beta\n",
      "other.txt": "other\n",
      "empty.bin": "",
    },
  });
  work = await mkdtemp(path.join(os.tmpdir(), "peer-link-clients-"));
});
after(async () => {
  await peer?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("share links: real clients", { timeout: 180_000 }, () => {
  test("curl downloads, then resumes a partial file with -C -", async () => {
    const { url } = await link("share/movie.bin");
    const out = path.join(work, "curl.bin");
    await run("curl", ["-sS", "--fail", "-o", out, url]);
    assert.ok((await readFile(out)).equals(BYTES));
    await writeFile(out, BYTES.subarray(0, 1_234_567));
    await run("curl", ["-sS", "--fail", "-C", "-", "-o", out, url]);
    assert.ok((await readFile(out)).equals(BYTES));
  });

  test("wget -c resumes", async () => {
    const { url } = await link("share/movie.bin");
    const out = path.join(work, "wget.bin");
    await writeFile(out, BYTES.subarray(0, 3_000_000));
    await run("wget", ["-q", "-c", "-O", out, url]);
    assert.ok((await readFile(out)).equals(BYTES));
  });

  test("ranges, validators and conditional requests behave as on /v1/files/", async () => {
    const { url } = await link("share/movie.bin");
    const head = await get(url, {}, "HEAD");
    assert.equal(head.status, 200);
    const etag = head.headers.get("etag")!;
    assert.equal(head.headers.get("accept-ranges"), "bytes");
    assert.equal(head.headers.get("referrer-policy"), "no-referrer");
    assert.match(head.headers.get("content-security-policy") ?? "", /sandbox/);
    const part = await get(url, { range: "bytes=100-199" });
    assert.equal(part.status, 206);
    assert.ok(part.body.equals(BYTES.subarray(100, 200)));
    const multi = await get(url, { range: "bytes=0-9,1000-1009" });
    assert.equal(multi.status, 206);
    assert.match(multi.headers.get("content-type") ?? "", /^multipart\/byteranges; boundary=/);
    assert.equal((await get(url, { "if-none-match": etag })).status, 304);
    assert.equal((await get(url, { "if-match": '"nope"' })).status, 412);
    assert.equal((await get(url, { range: `bytes=${SIZE}-` })).status, 416);
    const stale = await get(url, { range: "bytes=0-9", "if-range": '"other"' });
    assert.equal(stale.status, 200);
  });

  test("a folder link lists that folder only, and serves the files below it", async () => {
    const { url } = await link("share/dir/");
    const page = await get(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    const text = page.body.toString();
    assert.match(text, /href="\.\/a\.txt"/);
    assert.match(text, /href="\.\/sub\/"/);
    assert.doesNotMatch(text, /movie\.bin|other\.txt/);
    assert.equal((await get(`${url}a.txt`)).body.toString(), "alpha\n");
    assert.equal((await get(`${url}sub/b.txt`)).body.toString(), "beta\n");
    assert.match((await get(`${url}sub/`)).body.toString(), /href="\.\/b\.txt"/);
    // A web seed appends the file name to the base: the same URL.
    assert.equal((await get(`${url}${encodeURIComponent("a.txt")}`)).status, 200);
  });
});

describe("share links: every wrong link is the same 404", () => {
  let good: { id: string; url: string; token: string };
  let other: { id: string; url: string; token: string };
  let notFound: { status: number; body: string; type: string | null };
  before(async () => {
    good = await link("share/other.txt");
    other = await link("share/dir/");
    const res = await get(`${peer.url}/v1/files/share/nope`, { authorization: `Bearer ${peer.key}` });
    notFound = { status: res.status, body: res.body.toString(), type: res.headers.get("content-type") };
  });
  const base = () => `${peer.url}/v1/links`;
  const cases: Array<[string, () => string]> = [
    ["unknown token", () => `${base()}/${"B".repeat(43)}/other.txt`],
    [
      "wrong last character",
      () => `${base()}/${good.token.slice(0, -1)}${good.token.endsWith("A") ? "B" : "A"}/other.txt`,
    ],
    ["truncated token", () => `${base()}/${good.token.slice(0, 20)}/other.txt`],
    ["token with one more character", () => `${base()}/${good.token}A/other.txt`],
    ["the other link's file name", () => `${base()}/${good.token}/a.txt`],
    ["a file of another link's folder", () => `${base()}/${good.token}/movie.bin`],
    ["an item that does not exist under a folder link", () => `${other.url}nope.txt`],
    ["dot-dot after the token", () => `${base()}/${other.token}/../other.txt`],
    ["encoded dot-dot after the token", () => `${base()}/${other.token}/%2e%2e/other.txt`],
    ["encoded slash after the token", () => `${base()}/${other.token}/..%2Fother.txt`],
    ["encoded backslash", () => `${base()}/${other.token}/..%5Cother.txt`],
    ["file link as a folder", () => `${base()}/${good.token}/`],
    ["the token alone", () => `${base()}/${good.token}`],
  ];
  for (const [name, url] of cases) {
    test(name, async () => {
      // fetch would normalise "..": send the raw target.
      const res = await rawGet(url());
      assert.deepEqual({ status: res.status, body: res.body, type: res.type }, notFound);
    });
  }

  test("expired: 404, like an unknown token; a link before its expiry works", async () => {
    const db = await openServerDatabase(peer.dataDir);
    try {
      // A store whose clock runs a minute behind makes a link that expired a moment ago.
      const past = openLinkStore(db, { now: () => Date.now() - 60_000 });
      const expired = await past.create({ target: "share/other.txt", expiresAt: new Date(Date.now() - 1) });
      tokens.push(expired.token);
      const res = await rawGet(`${base()}/${expired.token}/other.txt`);
      assert.deepEqual({ status: res.status, body: res.body, type: res.type }, notFound);
    } finally {
      await db.destroy();
    }
    // The exact instant is tested with an injected clock (link-store.test.ts); here, a live one still works.
    const later = await link("share/other.txt", { expiresAt: new Date(Date.now() + 3_600_000) });
    assert.equal((await get(later.url)).status, 200);
  });

  test("exhausted: two downloads of a file, counted in bytes, then 404", async () => {
    const { url } = await link("share/other.txt", { maxDownloads: 2 });
    assert.equal((await get(url, { range: "bytes=0-2" })).status, 206); // half a copy
    assert.equal((await get(url, { range: "bytes=3-" })).status, 206); // the other half: one download
    assert.equal((await get(url, {}, "HEAD")).status, 200); // HEAD costs nothing
    assert.equal((await get(url)).status, 200); // the second download
    const res = await rawGet(url);
    assert.deepEqual({ status: res.status, body: res.body, type: res.type }, notFound);
    assert.equal((await get(url, {}, "HEAD")).status, 404);
  });

  test("revoked while a download runs: the running response may finish, the next request is refused", async () => {
    const { url, id } = await link("share/movie.bin");
    const got: Buffer[] = [];
    const finished = new Promise<number>((resolve, reject) => {
      const req = http.get(url, (res) => {
        res.once("data", (chunk: Buffer) => {
          got.push(chunk);
          res.pause();
          void peer.server.links.revoke(id).then(async () => {
            const next = await rawGet(url);
            assert.equal(next.status, 404);
            res.on("data", (c: Buffer) => got.push(c));
            res.resume();
          }, reject);
        });
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      });
      req.on("error", reject);
    });
    assert.equal(await finished, 200);
    assert.ok(Buffer.concat(got).equals(BYTES));
    assert.equal((await rawGet(url)).status, 404);
  });

  test("methods other than GET and HEAD: 405", async () => {
    const res = await fetch(good.url, { method: "POST" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
  });
});

describe("share links: logs", () => {
  test("no log line holds a token, and link lines name the link id", () => {
    const text = log.text();
    assert.ok(tokens.length > 5);
    for (const token of tokens) assert.equal(text.includes(token), false, "a token reached the log");
    for (const token of tokens)
      assert.equal(text.includes(token.slice(0, 16)), false, "part of a token reached the log");
    assert.ok(log.lines.some((l) => typeof l.linkId === "string" && l.status === 200));
  });
});

/** A GET with the path sent exactly as written (no client-side normalisation of `..`). */
function rawGet(url: string): Promise<{ status: number; body: string; type: string | null }> {
  const u = new URL(url);
  const pathAndQuery = url.slice(url.indexOf("/", u.protocol.length + 2));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: pathAndQuery, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          type: res.headers["content-type"] ?? null,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
