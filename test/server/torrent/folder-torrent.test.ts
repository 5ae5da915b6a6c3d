/**
 * Folder torrents end to end: `peer torrent <peer> <share>/<folder>/` (a real
 * child process) and `GET /v1/torrents/<folder>/` make one multi-file hybrid
 * torrent whose web seed is a folder link; libtorrent 2.x (Debian
 * python3-libtorrent) loads it, agrees on both info-hashes, and downloads the
 * whole tree through the web seed checking every v1 and v2 piece. The same
 * folder state gives the same info dictionary every time. libtorrent is
 * required in CI (CI=true), as in torrent-libtorrent.test.ts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { decode, encode, type BValue } from "../../../common/bencode.js";
import { startTestPeer, type TestPeer } from "../../helpers/peer-server.js";
import { runPeer } from "../../cli/run-peer.js";
import { fileBytes } from "../http/helpers/cases.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../helpers/libtorrent-webseed.py", import.meta.url));
const files: Record<string, Buffer> = {
  "Season 1/e01.bin": fileBytes(3 * 65_536 + 777, 1),
  "Season 1/cover.jpg": fileBytes(20_000, 2),
  "Season 1/Extras/a b é.txt": fileBytes(5, 3),
  "Season 1/empty.txt": Buffer.alloc(0),
  "Season 1-x.txt": fileBytes(100, 4), // a sibling whose name extends the folder's
  "Season 1/z.bin": fileBytes(16_384, 5), // exactly one piece: no pad after it
};
let peer: TestPeer;
let work: string;
const auth = () => ({ authorization: `Bearer ${peer.key}` });

async function torrentOf(url: string): Promise<Response> {
  for (let i = 0; ; i++) {
    const res = await fetch(url, { headers: auth() });
    if (res.status !== 503 || i > 1200) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A decoded value re-keyed by raw bytes (decode gives latin1 keys; encode writes string keys as UTF-8). */
function rawKeys(value: unknown): BValue {
  if (value instanceof Map)
    return new Map([...value].map(([k, v]: [string, unknown]) => [Buffer.from(k, "latin1"), rawKeys(v)]));
  if (Array.isArray(value)) return value.map(rawKeys);
  return value as BValue;
}

async function tree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix + e.name;
    if (e.isDirectory()) out.push(...(await tree(path.join(dir, e.name), `${rel}/`)));
    else out.push(rel);
  }
  return out.sort();
}

before(async () => {
  peer = await startTestPeer({ files: Object.fromEntries(Object.entries(files).map(([k, v]) => [`Shows/${k}`, v])) });
  work = await mkdtemp(path.join(os.tmpdir(), "peer-folder-torrent-"));
});
after(async () => {
  await peer?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("GET /v1/torrents/<folder>/", () => {
  test("a multi-file hybrid torrent; the same folder state gives the same info dictionary", async () => {
    const url = `${peer.url}/v1/torrents/share/Shows/Season%201/`;
    const first = await torrentOf(url);
    assert.equal(first.status, 200, await first.clone().text());
    assert.match(first.headers.get("content-disposition") ?? "", /Season 1\.torrent/);
    const a = decode(new Uint8Array(await first.arrayBuffer())) as Map<string, BValue>;
    const b = decode(new Uint8Array(await (await torrentOf(url)).arrayBuffer())) as Map<string, BValue>;
    assert.deepEqual(encode(rawKeys(a.get("info"))), encode(rawKeys(b.get("info"))));
    const info = a.get("info") as Map<string, unknown>;
    assert.equal(Buffer.from(info.get("name") as Uint8Array).toString(), "Season 1");
    const paths = (info.get("files") as Array<Map<string, unknown>>).map((f) =>
      (f.get("path") as Uint8Array[]).map((p) => Buffer.from(p).toString()).join("/"),
    );
    assert.ok(!paths.includes("Season 1-x.txt"));
    assert.ok(paths.includes("Extras/a b é.txt"));
    const seed = Buffer.from((a.get("url-list") as Uint8Array[])[0]!).toString();
    assert.match(seed, /\/v1\/links\/[A-Za-z0-9_-]{43}\/\/$/);
    const fetched = await fetch(`${seed}Season%201/Extras/a%20b%20%C3%A9.txt`);
    assert.equal(fetched.status, 200);
    assert.ok(Buffer.from(await fetched.arrayBuffer()).equals(files["Season 1/Extras/a b é.txt"]!));
    assert.equal((await fetch(`${seed}Other/cover.jpg`)).status, 404, "the seed form needs the folder's own name");
    assert.equal((await fetch(`${seed}Season%201/../Season%201-x.txt`)).status, 404);
  });
  test("unknown folders and escapes: 404; a folder of empty files: 422", async () => {
    for (const p of ["share/Nope/", "share/Shows/Season%201/e01.bin/", "share/..%2F/"])
      assert.equal((await fetch(`${peer.url}/v1/torrents/${p}`, { headers: auth() })).status, 404, p);
    await import("node:fs/promises").then((fs) => fs.mkdir(path.join(peer.shareDir, "Shows", "Void")));
    const res = await fetch(`${peer.url}/v1/torrents/share/Shows/Void/`, { headers: auth() });
    assert.equal(res.status, 422);
    assert.match(await res.text(), /no bytes/);
  });
});

describe("peer torrent <folder>/ + libtorrent", { timeout: 600_000 }, () => {
  test("libtorrent accepts both info-hashes and downloads the identical tree through the folder link", async (t) => {
    const out = path.join(work, "season.torrent");
    const r = await runPeer(["torrent", peer.url, "share/Shows/Season 1/", "--wait", "600", "-o", out], {
      cwd: work,
      env: { PEER_KEY: peer.key },
    });
    assert.equal(r.code, 0, r.stderr);
    const bytes = await readFile(out);
    const torrent = decode(bytes) as Map<string, BValue>;
    const infoBytes = encode(rawKeys(torrent.get("info")));
    assert.ok(bytes.includes(Buffer.from(infoBytes)), "the info dictionary re-encodes to the bytes in the file");
    const missing = await run(PYTHON, ["-c", "import libtorrent"]).then(
      () => undefined,
      (e: Error) =>
        `${PYTHON} cannot import libtorrent (apt-get install python3-libtorrent): ${e.message.split("\n")[0]}`,
    );
    if (missing !== undefined) {
      if (process.env.CI === "true") assert.fail(`CI must run the libtorrent folder test: ${missing}`);
      t.skip(missing);
      return;
    }
    const save = path.join(work, "lt");
    const { stdout } = await run(PYTHON, [SCRIPT, out, save, "300"], { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout) as Record<string, unknown> & { errors: string[]; files: string[] };
    assert.equal(result.v1, true);
    assert.equal(result.v2, true);
    assert.equal(result.infoHashV1, createHash("sha1").update(infoBytes).digest("hex"));
    assert.equal(result.infoHashV2, createHash("sha256").update(infoBytes).digest("hex"));
    assert.equal(result.hashFailures, 0, result.errors.join("\n"));
    assert.equal(result.seeding, true, `libtorrent did not finish: ${JSON.stringify(result)}`);
    const expected = Object.keys(files)
      .filter((f) => f.startsWith("Season 1/"))
      .sort();
    assert.deepEqual(await tree(path.join(save, "Season 1"), "Season 1/"), expected);
    for (const f of expected) {
      const got = await readFile(path.join(save, ...f.split("/")));
      assert.ok(got.equals(files[f]!), `${f} is byte-identical`);
    }
    assert.equal((await stat(path.join(save, "Season 1", "empty.txt"))).size, 0);
  });
});
