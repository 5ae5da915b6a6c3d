/**
 * .torrent files end to end: `peer torrent` (a real child process) fetches a
 * BitTorrent v2 torrent from a real peer, and libtorrent 2.x (Debian
 * python3-libtorrent, test/helpers/libtorrent-webseed.py) loads it and
 * downloads the file from its web seed (a share link) on loopback, checking
 * every piece. Runs whenever /usr/bin/python3 can import libtorrent; in CI
 * (CI=true) it must (.ci/run installs python3-libtorrent).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { decode } from "../../../common/bencode.js";
import { captureLogger, startTestPeer, type TestPeer } from "../../helpers/peer-server.js";
import { runPeer } from "../../cli/run-peer.js";
import { fileBytes } from "../http/helpers/cases.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../helpers/libtorrent-webseed.py", import.meta.url));
const BIG = fileBytes(5 * 1024 * 1024 + 12_345, 52);
const log = captureLogger();
let peer: TestPeer;
let work: string;

/** GETs the torrent, waiting while the peer hashes. */
async function torrentOf(itemId: string, headers: Record<string, string>): Promise<Response> {
  for (let i = 0; ; i++) {
    const res = await fetch(`${peer.url}/v1/torrents/${itemId}`, { headers });
    if (res.status !== 503 || i > 600) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  peer = await startTestPeer({
    logger: log.logger,
    files: { "big file.bin": BIG, "small.txt": "small\n", "empty.bin": "" },
  });
  work = await mkdtemp(path.join(os.tmpdir(), "peer-torrent-"));
});
after(async () => {
  await peer?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("GET /v1/torrents/<item id>", () => {
  const auth = () => ({ authorization: `Bearer ${peer.key}` });
  test("no key: 401; a wrong key: 401; an unknown item: 404", async () => {
    assert.equal((await fetch(`${peer.url}/v1/torrents/share/small.txt`)).status, 401);
    assert.equal(
      (await fetch(`${peer.url}/v1/torrents/share/small.txt`, { headers: { authorization: "Bearer nope" } })).status,
      401,
    );
    assert.equal((await fetch(`${peer.url}/v1/torrents/share/nope.txt`, { headers: auth() })).status, 404);
    assert.equal((await fetch(`${peer.url}/v1/torrents/share/..%2Fx`, { headers: auth() })).status, 404);
  });
  test("an empty file: 422 with the reason", async () => {
    const res = await fetch(`${peer.url}/v1/torrents/share/empty.bin`, { headers: auth() });
    assert.equal(res.status, 422);
    assert.match(await res.text(), /empty file/);
  });
  test("a bad link-expires: 400", async () => {
    assert.equal(
      (await fetch(`${peer.url}/v1/torrents/share/small.txt?link-expires=5`, { headers: auth() })).status,
      400,
    );
  });
  test("a one-piece file: a hybrid torrent without piece layers, its web seed a working link", async () => {
    const res = await torrentOf("share/small.txt", auth());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-bittorrent");
    assert.match(res.headers.get("content-disposition") ?? "", /small\.txt\.torrent/);
    const t = decode(new Uint8Array(await res.arrayBuffer())) as Map<string, unknown>;
    assert.equal(t.has("piece layers"), false);
    const seed = Buffer.from((t.get("url-list") as Uint8Array[])[0]!).toString();
    assert.match(seed, /\/v1\/links\/[A-Za-z0-9_-]{43}\/$/);
    assert.equal(await (await fetch(`${seed}small.txt`)).text(), "small\n");
    assert.ok(
      (await peer.server.links.list()).some((l) => l.target === "share/small.txt" && l.note === "torrent web seed"),
    );
  });
});

describe("peer torrent + libtorrent", { timeout: 300_000 }, () => {
  test("libtorrent loads the torrent and downloads the file from the web seed, every piece checked", async (t) => {
    const missing = await run(PYTHON, ["-c", "import libtorrent"]).then(
      () => undefined,
      (e: Error) =>
        `${PYTHON} cannot import libtorrent (apt-get install python3-libtorrent): ${e.message.split("\n")[0]}`,
    );
    // The CLI part runs everywhere; only the BitTorrent client needs libtorrent.
    const out = path.join(work, "big.torrent");
    const r = await runPeer(
      ["torrent", peer.url, "share/big file.bin", "--link-expires", "2d", "--wait", "600", "-o", out],
      { cwd: work, env: { PEER_KEY: peer.key } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), out);
    const torrent = decode(await readFile(out)) as Map<string, unknown>;
    const info = torrent.get("info") as Map<string, unknown>;
    assert.equal(info.get("meta version"), 2);
    assert.ok(torrent.has("piece layers"), "a multi-piece file carries its layer");
    const link = (await peer.server.links.list()).find((l) => l.target === "share/big file.bin");
    assert.ok(
      link !== undefined &&
        link.expiresAt !== null &&
        Math.abs(link.expiresAt - (Date.now() + 2 * 86_400_000)) < 120_000,
      "the link lives --link-expires",
    );
    if (missing !== undefined) {
      if (process.env.CI === "true") assert.fail(`CI must run the libtorrent web-seed test: ${missing}`);
      console.log(`libtorrent web-seed download skipped: ${missing}`);
      t.skip(missing);
      return;
    }
    const save = path.join(work, "lt");
    const { stdout } = await run(PYTHON, [SCRIPT, out, save, "120"], { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout) as {
      version: string;
      v2: boolean;
      v1: boolean;
      seeding: boolean;
      hashFailures: number;
      errors: string[];
      name: string;
      pieces: number;
    };
    assert.match(result.version, /^2\./);
    assert.equal(result.v2, true);
    assert.equal(result.v1, true, "a hybrid torrent: v1 clients and *arr apps hash it too");
    assert.equal(result.name, "big file.bin");
    assert.ok(result.pieces > 1);
    assert.equal(result.hashFailures, 0, result.errors.join("\n"));
    assert.equal(result.seeding, true, `libtorrent did not finish: ${JSON.stringify(result)}`);
    assert.ok((await readFile(path.join(save, "big file.bin"))).equals(BIG), "byte-identical");
    assert.equal(
      log.text().includes(
        Buffer.from((torrent.get("url-list") as Uint8Array[])[0]!)
          .toString()
          .split("/")[5]!,
      ),
      false,
      "no token in the log",
    );
  });

  test("peer torrent never replaces a file at the output path (nor writes through a link) unless --overwrite", async () => {
    const env = { PEER_KEY: peer.key };
    const out = path.join(work, "mine.torrent");
    await writeFile(out, "mine");
    const target = path.join(work, "target.txt");
    await writeFile(target, "target");
    const linked = path.join(work, "linked.torrent");
    await symlink(target, linked);
    for (const file of [out, linked]) {
      const refused = await runPeer(["torrent", peer.url, "share/small.txt", "-o", file], { cwd: work, env });
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /already exists and was left as it was: pass --overwrite/);
    }
    assert.equal(await readFile(out, "utf8"), "mine");
    assert.equal(await readFile(target, "utf8"), "target", "nothing written through the link");
    assert.deepEqual(
      (await readdir(work)).filter((f) => f.endsWith(".part")),
      [],
      "no part file left",
    );
    const replaced = await runPeer(["torrent", peer.url, "share/small.txt", "-o", out, "--overwrite"], {
      cwd: work,
      env,
    });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.ok((decode(await readFile(out)) as Map<string, unknown>).has("info"));
  });

  test("peer torrent: a refused key and an unknown file fail with exit 1 and say why", async () => {
    const bad = await runPeer(["torrent", peer.url, "share/small.txt"], {
      cwd: work,
      env: { PEER_KEY: "peer_0000000000000000_" + "A".repeat(43) },
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /refused the key/);
    const unknown = await runPeer(["torrent", peer.url, "share/none.bin"], { cwd: work, env: { PEER_KEY: peer.key } });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no such file/);
    const usage = await runPeer(["torrent", peer.url, "share"], { cwd: work, env: { PEER_KEY: peer.key } });
    assert.equal(usage.code, 2);
  });
});
