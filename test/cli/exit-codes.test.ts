import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runPeer } from "./run-peer.js";

// Every case runs the real CLI in a child process; cases run a few at a time.
describe("peer exit codes and messages", { timeout: 600_000 }, () => {
  let cwd: string;
  let refusedUrl: string;
  before(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), "peer-cli-codes-"));
    await mkdir(path.join(cwd, "films"));
    await writeFile(path.join(cwd, "afile"), "not a directory");
    // A port that was free a moment ago: connecting to it is refused.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    refusedUrl = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  const KEY = `peer_0123456789abcdef_${"A".repeat(43)}`;

  test("--help on every command prints usage on stdout and exits 0", async () => {
    const commands = [[], ["serve"], ["keys"], ["keys", "create"], ["keys", "list"], ["keys", "revoke"], ["ls"]];
    const results = await Promise.all(commands.map((c) => runPeer([...c, "--help"], { cwd })));
    results.forEach((r, i) => {
      const name = ["peer", ...(commands[i] ?? [])].join(" ");
      assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: peer/m, name);
      assert.equal(r.stderr, "", name);
    });
    assert.match(results[1]?.stdout ?? "", /--listen <host:port>[\s\S]*127\.0\.0\.1:8080/);
    assert.match(results[1]?.stdout ?? "", /--first-run/);
    assert.match(results[3]?.stdout ?? "", /--expires <when>/);
    assert.match(results[6]?.stdout ?? "", /env:\s+PEER_KEY/);
  });

  test("--version exits 0", async () => {
    const r = await runPeer(["--version"], { cwd });
    assert.equal(r.code, 0);
    // The package's own version (package.json of peer-share), not a fallback.
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    assert.equal(r.stdout, `${pkg.version}\n`);
  });

  // [name, args, expected exit code, stderr pattern]
  const cases: Array<[string, string[], number, RegExp]> = [
    ["no command", [], 2, /Usage: peer/],
    [
      "get --stream with two items",
      ["get", "http://127.0.0.1:1", "a/b", "c/d", "--stream", "--key", "k"],
      2,
      /--stream serves one item/,
    ],
    [
      "get --stream-listen without a port",
      ["get", "http://127.0.0.1:1", "a/b", "--stream-listen", "nonsense", "--key", "k"],
      2,
      /"nonsense" has no port/,
    ],
    ["unknown command", ["bogus"], 2, /unknown command 'bogus'[\s\S]*peer --help/],
    ["unknown option", ["keys", "list", "--nope"], 2, /unknown option '--nope'[\s\S]*peer keys list --help/],
    ["keys create without --name", ["keys", "create"], 2, /--name <name>' not specified/],
    ["keys create with a bad name", ["keys", "create", "--name", "a\tb"], 2, /printable/],
    ["keys create with a bad expiry", ["keys", "create", "--name", "x", "--expires", "3y"], 2, /neither a duration/],
    ["keys create with a past expiry", ["keys", "create", "--name", "x", "--expires", "2001-01-01"], 2, /past/],
    ["keys revoke without id", ["keys", "revoke"], 2, /missing required argument 'id'/],
    ["keys revoke with a malformed id", ["keys", "revoke", "../x"], 2, /not a key id/],
    ["keys revoke of an unknown id", ["keys", "revoke", "ffffffffffffffff"], 1, /no key with id ffffffffffffffff/],
    [
      "keys create with a data dir that is a file",
      ["keys", "create", "--name", "x", "--data-dir", "afile"],
      1,
      /data directory .*afile/,
    ],
    ["ls without url", ["ls"], 2, /missing required argument 'peer-url'/],
    ["ls without key", ["ls", "http://127.0.0.1:1"], 2, /API key is needed[\s\S]*peer ls --help/],
    ["ls with a bad url", ["ls", "not a url", "--key", KEY], 2, /not a URL/],
    ["ls with an ftp url", ["ls", "ftp://127.0.0.1/", "--key", KEY], 2, /http:\/\/ or https:\/\//],
    ["ls with a bad limit", ["ls", "http://127.0.0.1:1", "--key", KEY, "--limit", "0"], 2, /positive whole number/],
    ["serve with a bad --listen", ["serve", "films", "--listen", "127.0.0.1:99999"], 2, /not a port/],
    ["serve with a bad --share", ["serve", "--share", "films"], 2, /NAME=DIR/],
    ["serve with nothing to share", ["serve"], 2, /nothing to share/],
    ["serve of /", ["serve", "/"], 2, /--share NAME=\//],
    ["serve with a share name twice", ["serve", "films", "--share", "films=films"], 2, /used twice/],
    ["serve with --tls-cert only", ["serve", "films", "--tls-cert", "c.pem"], 2, /both --tls-cert and --tls-key/],
    ["serve with a bad log level", ["serve", "films", "--log-level", "loud"], 2, /Allowed choices/],
    ["serve of a missing directory", ["serve", "missing", "--listen", "127.0.0.1:0"], 1, /missing/],
  ];

  test("usage errors exit 2, runtime failures exit 1, with a message on stderr and nothing on stdout", async () => {
    const concurrency = 4;
    for (let i = 0; i < cases.length; i += concurrency) {
      const batch = cases.slice(i, i + concurrency);
      const results = await Promise.all(
        batch.map(([, args]) => runPeer(args, { cwd, env: { PEER_DATA_DIR: path.join(cwd, "data") } })),
      );
      batch.forEach(([name, , code, pattern], j) => {
        const r = results[j];
        assert.ok(r);
        assert.equal(r.code, code, `${name}: exit ${r.code}, stderr: ${r.stderr}`);
        assert.match(r.stderr, pattern, name);
        assert.equal(r.stdout, "", `${name}: stdout should be empty`);
      });
    }
  });

  test("ls against a closed port exits 1 saying the peer cannot be reached", async () => {
    const r = await runPeer(["ls", refusedUrl, "--key", KEY], { cwd });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cannot reach the peer at http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
    assert.match(r.stderr, /peer serve/);
  });

  test("PEER_KEY is the default --key", async () => {
    const r = await runPeer(["ls", refusedUrl], { cwd, env: { PEER_KEY: KEY } });
    assert.equal(r.code, 1, "got past the missing-key check");
    assert.match(r.stderr, /cannot reach/);
  });

  test("a port already in use exits 1 with a hint", async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = busy.address() as net.AddressInfo;
      const r = await runPeer(["serve", "films", "--listen", `127.0.0.1:${port}`, "--data-dir", "data"], { cwd });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`${port}.*in use.*--listen`));
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});
