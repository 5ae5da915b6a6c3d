/** `peer links` as a user runs it: beside a running `peer serve`, in child processes. */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runPeer, startPeer, type PeerProcess } from "./run-peer.js";

describe("peer links", { timeout: 600_000 }, () => {
  let cwd: string;
  let serve: PeerProcess | undefined;
  before(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), "peer-cli-links-"));
    await mkdir(path.join(cwd, "files", "dir"), { recursive: true });
    await writeFile(path.join(cwd, "files", "a b.txt"), "hello link\n");
    await writeFile(path.join(cwd, "files", "dir", "c.txt"), "in a folder\n");
  });
  after(async () => {
    await serve?.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  test("before any server ran here, create needs --base-url (exit 2, says so)", async () => {
    const r = await runPeer(["links", "create", "files/a b.txt"], { cwd });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--base-url/);
  });

  test("bad arguments: exit 2 with what to fix", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["links", "create", "files/../x", "--base-url", "http://h"], /not an item id/],
      [["links", "create", "files/dir/", "--max-downloads", "2", "--base-url", "http://h"], /file link/],
      [["links", "create", "files/a", "--base-url", "ftp://h"], /http/],
      [["links", "create", "files/a", "--expires", "yesterday", "--base-url", "http://h"], /duration|date/],
      [["links", "revoke", "xyz"], /not a link id/],
    ];
    for (const [args, message] of cases) {
      const r = await runPeer(args, { cwd });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  test("create prints a URL on the server's address; curl fetches it; revoke stops it; list shows it", async () => {
    // A long safety net: under load the whole test can take minutes (the default kills the server after 2).
    serve = startPeer(["serve", "files", "--listen", "127.0.0.1:0", "--public-url", "http://127.0.0.1:1/"], {
      cwd,
      timeoutMs: 900_000,
    });
    await serve.waitForStdout(/Listening on (http:\/\/\S+)/, 300_000);
    const listen = serve.stdout().match(/Listening on (http:\/\/\S+)/)![1]!;
    // --public-url wins over the listen address; --base-url over both.
    const pub = await runPeer(["links", "create", "files/a b.txt", "--json"], { cwd });
    assert.equal(pub.code, 0, pub.stderr);
    assert.match(JSON.parse(pub.stdout).url, /^http:\/\/127\.0\.0\.1:1\/v1\/links\/[A-Za-z0-9_-]{43}\/a%20b\.txt$/);
    const r = await runPeer(
      [
        "links",
        "create",
        "files/a b.txt",
        "--base-url",
        listen,
        "--expires",
        "7d",
        "--max-downloads",
        "3",
        "--note",
        "for bob",
        "--json",
      ],
      { cwd },
    );
    assert.equal(r.code, 0, r.stderr);
    const created = JSON.parse(r.stdout) as { id: string; url: string; expiresAt: string; maxDownloads: number };
    assert.match(created.id, /^[0-9a-f]{16}$/);
    assert.ok(Date.parse(created.expiresAt) > Date.now() + 6 * 86_400_000);
    assert.equal(created.maxDownloads, 3);
    const res = await fetch(created.url);
    assert.equal(await res.text(), "hello link\n");

    const list = await runPeer(["links", "list", "--json"], { cwd });
    const rows = list.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const row = rows.find((x) => x.id === created.id)!;
    assert.equal(row.status, "active");
    assert.equal(row.note, "for bob");
    assert.equal(row.bytesServed, 11);
    assert.equal(JSON.stringify(rows).includes(created.url.split("/")[5]!), false, "list never shows a token");

    const revoke = await runPeer(["links", "revoke", created.id], { cwd });
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.equal((await fetch(created.url)).status, 404);
    const unknown = await runPeer(["links", "revoke", "0123456789abcdef"], { cwd });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no link with id/);
    const table = await runPeer(["links", "list"], { cwd });
    assert.match(table.stdout, new RegExp(`${created.id}\\s+revoked`));
    assert.equal(serve.stderr().includes(created.url.split("/")[5]!), false, "the server never logs a token");
  });

  test("torrent links: one row per key however many GETs, the creator in list, dead once the key is revoked", async (t) => {
    // Its own server, without the --public-url of the test above: the web seed must be reachable.
    const own = startPeer(["serve", "files", "--listen", "127.0.0.1:0"], { cwd, timeoutMs: 900_000 });
    t.after(() => own.stop());
    await own.waitForStdout(/Listening on (http:\/\/\S+)/, 300_000);
    const listen = own.stdout().match(/Listening on (http:\/\/\S+)/)![1]!;
    const made = await runPeer(["keys", "create", "--name", "torrents", "--json"], { cwd });
    assert.equal(made.code, 0, made.stderr);
    const key = JSON.parse(made.stdout) as { id: string; key: string };
    const torrentUrl = `${listen}/v1/torrents/files/dir/c.txt`;
    const getTorrent = async (): Promise<Buffer> => {
      for (;;) {
        const res = await fetch(torrentUrl, { headers: { authorization: `Bearer ${key.key}` } });
        if (res.status === 200) return Buffer.from(await res.arrayBuffer());
        assert.equal(res.status, 503, "only 'still hashing' is retried");
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const first = await getTorrent();
    const second = await getTorrent();
    const seed = (t: Buffer) => t.toString("latin1").match(/(http:\/\/[^:]*:\d+\/v1\/links\/[A-Za-z0-9_-]{43}\/)/)![1]!;
    assert.equal(seed(second), seed(first), "the second GET reuses the first GET's link");
    const listed = async () =>
      (await runPeer(["links", "list", "--json"], { cwd })).stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((row) => row.target === "files/dir/c.txt");
    const rows = await listed();
    assert.equal(rows.length, 1, "two GETs, one link row");
    assert.equal(rows[0]!.createdBy, key.id);
    const table = await runPeer(["links", "list"], { cwd });
    assert.match(table.stdout, /KEY/);
    assert.match(table.stdout, new RegExp(`${rows[0]!.id}\\s+active.*${key.id}\\s+files/dir/c\\.txt`));
    assert.equal((await fetch(`${seed(first)}c.txt`)).status, 200);

    assert.equal((await runPeer(["keys", "revoke", key.id], { cwd })).code, 0);
    // The running server honours the revocation from the next request on.
    assert.equal((await fetch(`${seed(first)}c.txt`)).status, 404);
    assert.equal((await listed())[0]!.status, "key-revoked");
  });
});
