import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { PEER_NODE_ARGS, runPeer, startServe, type PeerProcess } from "./run-peer.js";

const exec = promisify(execFile);
const BULK = 250;

describe("peer serve + peer ls", { timeout: 600_000 }, () => {
  let cwd: string;
  let server: (PeerProcess & { url: string }) | undefined;
  let key: string;
  let keyId: string;
  before(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), "peer-cli-serve-"));
    await mkdir(path.join(cwd, "films", "old"), { recursive: true });
    await writeFile(path.join(cwd, "films", "a.mkv"), "A".repeat(1500));
    await writeFile(path.join(cwd, "films", "old", "B.MKV"), "b");
    await mkdir(path.join(cwd, "docs"));
    await writeFile(path.join(cwd, "docs", "readme.txt"), "hello");
    // More items than one ListItems page (100 by default): ls must follow page tokens.
    await mkdir(path.join(cwd, "bulk"));
    for (let i = 0; i < BULK; i++) await writeFile(path.join(cwd, "bulk", `f${String(i).padStart(3, "0")}.dat`), "x");
    const made = await runPeer(["keys", "create", "--name", "tester", "--json", "--data-dir", "data"], { cwd });
    assert.equal(made.code, 0, made.stderr);
    ({ key, id: keyId } = JSON.parse(made.stdout) as { key: string; id: string });
    server = await startServe(["films", "--share", "papers=docs", "--share", "bulk=bulk", "--data-dir", "data"], {
      cwd,
    });
  });
  after(async () => {
    await server?.stop("SIGKILL");
    await rm(cwd, { recursive: true, force: true });
  });

  test("ls prints a table of every item of every share, across pages", async () => {
    const r = await runPeer(["ls", server!.url, "--key", key], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^\s*SIZE\s+MODIFIED\s+ID$/);
    const ids = lines.slice(1).map((l) => l.split(/\s+/).at(-1));
    assert.equal(ids.length, BULK + 3);
    assert.equal(new Set(ids).size, ids.length, "no item twice");
    assert.deepEqual(
      ids.filter((id) => !id?.startsWith("bulk/")),
      ["films/a.mkv", "films/old/B.MKV", "papers/readme.txt"],
    );
    assert.match(r.stdout, /1\.5 KiB\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+films\/a\.mkv/);
  });

  test("ls --json prints one object per item; --share, --query and --limit filter", async () => {
    const env = { PEER_KEY: key };
    const all = await runPeer(["ls", server!.url, "--json"], { cwd, env });
    assert.equal(all.code, 0, all.stderr);
    const items = all.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(items.length, BULK + 3);
    const a = items.find((i) => i.id === "films/a.mkv");
    assert.ok(a);
    assert.equal(a.share, "films");
    assert.equal(a.name, "a.mkv");
    assert.equal(a.size, 1500);
    assert.equal(typeof a.etag, "string");
    assert.ok(!Number.isNaN(Date.parse(String(a.modified))));

    const [share, query, limit, grpc, h2] = await Promise.all([
      runPeer(["ls", server!.url, "--json", "--share", "papers"], { cwd, env }),
      runPeer(["ls", server!.url, "--json", "--query", ".mkv"], { cwd, env }),
      runPeer(["ls", server!.url, "--json", "--limit", "2"], { cwd, env }),
      runPeer(["ls", server!.url, "--json", "--transport", "grpc", "--query", "readme"], { cwd, env }),
      runPeer(["ls", server!.url, "--json", "--transport", "connect-h2", "--query", "readme"], { cwd, env }),
    ]);
    const ids = (r: { stdout: string }) =>
      r.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { id: string }).id);
    assert.deepEqual(ids(share), ["papers/readme.txt"]);
    assert.deepEqual(ids(query), ["films/a.mkv", "films/old/B.MKV"], "case-insensitive name query");
    assert.equal(ids(limit).length, 2);
    assert.deepEqual(ids(grpc), ["papers/readme.txt"], "gRPC over cleartext HTTP/2");
    assert.deepEqual(ids(h2), ["papers/readme.txt"], "Connect over cleartext HTTP/2");
  });

  test("ls with no match exits 0 and says so on stderr only", async () => {
    const r = await runPeer(["ls", server!.url, "--query", "no-such-name"], { cwd, env: { PEER_KEY: key } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /No items/);
  });

  test("a wrong key exits 1 with a clear message", async () => {
    const wrong = `peer_${keyId}_${"A".repeat(43)}`;
    const r = await runPeer(["ls", server!.url, "--key", wrong], { cwd });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused the key/);
    assert.equal(r.stdout, "");
  });

  test("an expired key is refused", async () => {
    const made = await runPeer(
      ["keys", "create", "--name", "one-second", "--expires", "1s", "--json", "--data-dir", "data"],
      {
        cwd,
      },
    );
    assert.equal(made.code, 0, made.stderr);
    const { key: shortKey, expiresAt } = JSON.parse(made.stdout) as { key: string; expiresAt: string };
    // Wait until the expiry has surely passed (a wait, not a timing assertion).
    const wait = Date.parse(expiresAt) + 200 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const r = await runPeer(["ls", server!.url, "--key", shortKey], { cwd });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused the key/);
    const listed = await runPeer(["keys", "list", "--json", "--data-dir", "data"], { cwd });
    const row = listed.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { name: string; status: string })
      .find((k) => k.name === "one-second");
    assert.equal(row?.status, "expired");
  });

  test("keys revoke in another process applies to the running server at once", async () => {
    const made = await runPeer(["keys", "create", "--name", "short-lived", "--json", "--data-dir", "data"], { cwd });
    const temp = JSON.parse(made.stdout) as { key: string; id: string };
    const ok = await runPeer(["ls", server!.url, "--key", temp.key, "--limit", "1"], { cwd });
    assert.equal(ok.code, 0, ok.stderr);
    const revoked = await runPeer(["keys", "revoke", temp.id, "--data-dir", "data"], { cwd });
    assert.equal(revoked.code, 0, revoked.stderr);
    const refused = await runPeer(["ls", server!.url, "--key", temp.key], { cwd });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused the key/);
  });
});

describe("peer serve --first-run (npm start)", { timeout: 600_000 }, () => {
  let cwd: string;
  let server: (PeerProcess & { url: string }) | undefined;
  before(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), "peer-cli-first-"));
  });
  after(async () => {
    await server?.stop("SIGKILL");
    await rm(cwd, { recursive: true, force: true });
  });

  test("creates ./share with hello.txt and a key, and prints commands that work", async () => {
    server = await startServe(["--first-run"], { cwd });
    const out = await server.waitForStdout(/Stop with Ctrl-C/).then(() => server!.stdout());
    const hello = await readFile(path.join(cwd, "share", "hello.txt"), "utf8");
    assert.match(hello, /Hello from peer/);
    assert.ok(existsSync(path.join(cwd, ".peer", "server.db")), "data in ./.peer");

    const key = /^ {2}(peer_[0-9a-f]{16}_[A-Za-z0-9_-]{43})$/m.exec(out)?.[1];
    assert.ok(key, `a key on its own line:\n${out}`);
    assert.match(out, /created the API key "first-run"/);
    const commands = out
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /^(npx|curl)\b/.test(l));
    assert.equal(commands.length, 6, out);
    for (const line of commands) assert.ok(line.includes(key), `carries the key: ${line}`);

    // The `peer ls` line, run as printed (npx peer → this checkout's CLI, from source).
    const lsLine = commands.find((l) => l.startsWith("npx peer ls "));
    assert.ok(lsLine);
    const ls = await exec(
      "bash",
      ["-c", lsLine.replace(/^npx peer /, `"${process.execPath}" ${PEER_NODE_ARGS.map((a) => `"${a}"`).join(" ")} `)],
      { cwd },
    );
    assert.match(ls.stdout, /share\/hello\.txt/);

    // The two plain curl lines, run as printed: the HTTP route and a Connect GET of StatItem.
    const [fileLine, statLine] = commands.filter((l) => l.startsWith("curl "));
    assert.ok(fileLine && statLine);
    const file = await exec("bash", ["-c", `${fileLine.replace(/^curl /, "curl -sS --fail ")}`], { cwd });
    assert.equal(file.stdout, hello);
    const stat = await exec("bash", ["-c", `${statLine.replace(/^curl /, "curl -sS --fail ")}`], { cwd });
    const item = (JSON.parse(stat.stdout) as { item: { id: string; size: string } }).item;
    assert.equal(item.id, "share/hello.txt");
    assert.equal(Number(item.size), Buffer.byteLength(hello));
  });

  test("SIGTERM stops the server gracefully with exit 0", async () => {
    // Liveness, not speed: a generous bound that only a hang would exceed.
    const bound = new Promise<"hung">((resolve) => setTimeout(resolve, 30_000, "hung").unref());
    const result = await Promise.race([server!.stop("SIGTERM"), bound]);
    assert.notEqual(result, "hung", "peer serve did not exit within 30 s of SIGTERM");
    if (result === "hung") return;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Received SIGTERM[\s\S]*Stopped/);
  });

  test("a second start keeps the key store as is and refers to $PEER_KEY; a double SIGINT exits 0", async () => {
    await writeFile(path.join(cwd, "share", "hello.txt"), "changed by the user");
    server = await startServe(["--first-run"], { cwd });
    const out = await server.waitForStdout(/Stop with Ctrl-C/).then(() => server!.stdout());
    assert.doesNotMatch(out, /peer_[0-9a-f]{16}_/);
    assert.match(out, /already has API keys/);
    assert.match(out, /npx peer ls http:\/\/127\.0\.0\.1:\d+ --key "\$PEER_KEY"/);
    assert.equal(
      await readFile(path.join(cwd, "share", "hello.txt"), "utf8"),
      "changed by the user",
      "share left alone",
    );
    const listed = await runPeer(["keys", "list", "--json"], { cwd });
    assert.equal(listed.stdout.trim().split("\n").length, 1, "still only the first-run key");
    // Ctrl-C under npm can arrive twice at once: still a graceful stop.
    server.child.kill("SIGINT");
    const result = await server.stop("SIGINT");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Stopped/);
  });
});
