/**
 * `peer remote add|list|rm` and remote names in `peer ls`, as real child
 * processes against a real peer: the key is read once, checked, kept in a
 * 0600 file, never printed again; a file others can read is refused.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { spawnCli, type CliRun } from "../helpers/download-cli.js";
import { tempDir } from "../helpers/download-fixtures.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };

before(async () => {
  peer = await startTestPeer({ files: { "a.txt": "hello", "b.bin": "bytes" } });
  work = await tempDir();
});
after(async () => {
  await peer.close();
  await work.remove();
});

let n = 0;
/** A fresh working directory; the data dir is <cwd>/.peer (the default). */
async function fresh(): Promise<string> {
  const cwd = path.join(work.dir, `c${n++}`);
  await mkdir(cwd, { recursive: true });
  return cwd;
}

/** Runs `peer <args>` in `cwd`, with `stdin` written to it (then closed). */
async function peerCli(
  cwd: string,
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const child = spawnCli(args, { cwd, env: options.env ?? {} });
  child.child.stdin.end(options.stdin ?? "");
  return child.done;
}

function noKeyIn(r: CliRun, key = peer.key): void {
  assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key), "the key is never printed");
  assert.ok(!r.stdout.includes(key.slice(22)) && !r.stderr.includes(key.slice(22)), "nor its secret part");
}

const file = (cwd: string) => path.join(cwd, ".peer", "remotes.json");

describe("peer remote", { timeout: 900_000 }, () => {
  test("add --key-stdin checks the key with the peer, stores it 0600, and never prints it", async () => {
    const cwd = await fresh();
    const r = await peerCli(cwd, ["remote", "add", "nas", `${peer.url}/`, "--key-stdin"], { stdin: `${peer.key}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      new RegExp(`Added remote "nas": ${peer.url} \\(key ${peer.keyId}\\), the peer accepted the key`),
    );
    noKeyIn(r);
    assert.equal((await stat(file(cwd))).mode & 0o777, 0o600);
    assert.equal((await stat(path.dirname(file(cwd)))).mode & 0o777, 0o700);
    const stored = JSON.parse(await readFile(file(cwd), "utf8")) as { remotes: Array<Record<string, string>> };
    assert.deepEqual(
      stored.remotes.map((x) => [x.name, x.url, x.key]),
      [["nas", peer.url, peer.key]],
    );

    const list = await peerCli(cwd, ["remote", "list"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME\s+KEY\s+ADDED\s+URL\n/);
    assert.match(list.stdout, new RegExp(`^nas\\s+${peer.keyId}\\s+\\S+ \\S+\\s+${peer.url}$`, "m"));
    noKeyIn(list);
    const json = await peerCli(cwd, ["remote", "list", "--json"]);
    assert.equal(json.lines.length, 1);
    assert.deepEqual(Object.keys(json.lines[0]!), ["name", "url", "keyId", "addedAt"]);
    assert.equal(json.lines[0]!.keyId, peer.keyId);
    noKeyIn(json);
  });

  test("add takes PEER_KEY too; --json prints the remote without its key", async () => {
    const cwd = await fresh();
    const r = await peerCli(cwd, ["remote", "add", "laptop", peer.url, "--json"], { env: { PEER_KEY: peer.key } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(r.lines[0]!), ["name", "url", "keyId", "addedAt"]);
    noKeyIn(r);
  });

  test("a key the peer refuses, or a peer that does not answer, saves nothing; --no-check saves anyway", async () => {
    const cwd = await fresh();
    const wrong = `peer_${"0".repeat(16)}_${"A".repeat(43)}`;
    const refused = await peerCli(cwd, ["remote", "add", "nas", peer.url, "--key-stdin"], { stdin: wrong });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused the key.*nothing was saved; --no-check/);
    noKeyIn(refused, wrong);
    const down = await peerCli(cwd, ["remote", "add", "nas", "http://127.0.0.1:9", "--key-stdin"], { stdin: peer.key });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach the peer at http:\/\/127\.0\.0\.1:9.*nothing was saved/);
    assert.equal(existsSync(file(cwd)), false);
    const unchecked = await peerCli(cwd, ["remote", "add", "nas", "http://127.0.0.1:9", "--key-stdin", "--no-check"], {
      stdin: peer.key,
    });
    assert.equal(unchecked.code, 0, unchecked.stderr);
    assert.match(unchecked.stderr, /not checked/);
  });

  test("usage errors exit 2 and store nothing", async () => {
    const cwd = await fresh();
    const cases: Array<[string, string[], { stdin?: string; env?: Record<string, string> }, RegExp]> = [
      [
        "a URL as the name",
        ["remote", "add", "http://x", peer.url, "--key-stdin"],
        { stdin: peer.key },
        /not a remote name/,
      ],
      [
        "a dotted name",
        ["remote", "add", "nas.lan", peer.url, "--key-stdin"],
        { stdin: peer.key },
        /not a remote name/,
      ],
      ["not a URL", ["remote", "add", "nas", "nas:8080", "--key-stdin"], { stdin: peer.key }, /http:\/\//],
      ["no key at all", ["remote", "add", "nas", peer.url], {}, /--key-stdin.*PEER_KEY/],
      ["empty stdin", ["remote", "add", "nas", peer.url, "--key-stdin"], { stdin: "" }, /the key is empty/],
      [
        "two lines on stdin",
        ["remote", "add", "nas", peer.url, "--key-stdin"],
        { stdin: `${peer.key}\nmore\n` },
        /one line/,
      ],
      ["rm a bad name", ["remote", "rm", "../x"], {}, /not a remote name/],
      ["ls an unknown remote", ["ls", "attic"], {}, /no remote named "attic"/],
      ["ls neither URL nor name", ["ls", "My Peer"], {}, /not a URL/],
    ];
    const runs = await Promise.all(cases.map(([, args, options]) => peerCli(cwd, args, options)));
    for (const [i, [name, , , want]] of cases.entries()) {
      assert.equal(runs[i]!.code, 2, `${name}: ${runs[i]!.stderr}`);
      assert.match(runs[i]!.stderr, want, name);
      noKeyIn(runs[i]!);
    }
    assert.equal(existsSync(file(cwd)), false);
  });

  test("a name is added once; --force replaces it; rm forgets it", async () => {
    const cwd = await fresh();
    assert.equal((await peerCli(cwd, ["remote", "add", "nas", peer.url, "--key-stdin"], { stdin: peer.key })).code, 0);
    const again = await peerCli(cwd, ["remote", "add", "nas", "http://127.0.0.1:9", "--key-stdin", "--no-check"], {
      stdin: peer.key,
    });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /a remote named "nas" exists.*--force/);
    const forced = await peerCli(
      cwd,
      ["remote", "add", "nas", "http://127.0.0.1:9", "--key-stdin", "--no-check", "--force"],
      { stdin: peer.key },
    );
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /Replaced remote "nas"/);
    const listed = await peerCli(cwd, ["remote", "list", "--json"]);
    assert.deepEqual(
      listed.lines.map((l) => l.url),
      ["http://127.0.0.1:9"],
    );
    const rm = await peerCli(cwd, ["remote", "rm", "nas"]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.doesNotMatch(await readFile(file(cwd), "utf8"), /peer_/, "the key is gone from the file");
    const rmAgain = await peerCli(cwd, ["remote", "rm", "nas"]);
    assert.equal(rmAgain.code, 1);
    assert.match(rmAgain.stderr, /no remote named "nas"/);
    const empty = await peerCli(cwd, ["remote", "list"]);
    assert.equal(empty.code, 0);
    assert.match(empty.stderr, /No remotes/);
  });

  test("ls takes a remote's name (its key, no PEER_KEY), or a remote's URL without --key", async () => {
    const cwd = await fresh();
    assert.equal((await peerCli(cwd, ["remote", "add", "nas", peer.url, "--key-stdin"], { stdin: peer.key })).code, 0);
    for (const target of ["nas", peer.url]) {
      const r = await peerCli(cwd, ["ls", target, "--json"]);
      assert.equal(r.code, 0, `${target}: ${r.stderr}`);
      assert.deepEqual(r.lines.map((l) => l.id).sort(), ["share/a.txt", "share/b.bin"]);
      noKeyIn(r);
    }
    const other = await peerCli(cwd, ["ls", "nas", "--json", "--data-dir", path.join(cwd, "elsewhere")]);
    assert.equal(other.code, 2, "remotes belong to their data dir");
  });

  test("a remotes file others can read is refused with the chmod to run, like ssh", async () => {
    const cwd = await fresh();
    assert.equal((await peerCli(cwd, ["remote", "add", "nas", peer.url, "--key-stdin"], { stdin: peer.key })).code, 0);
    await chmod(file(cwd), 0o644);
    const refused = [
      ["ls", "nas"],
      ["remote", "list"],
      ["remote", "rm", "nas"],
      ["downloads", "run"],
    ];
    const runs = await Promise.all(refused.map((args) => peerCli(cwd, args)));
    for (const [i, args] of refused.entries()) {
      const r = runs[i]!;
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /permissions 0644: it holds API keys and must be readable by you only; run: chmod 600 /,
        args.join(" "),
      );
      noKeyIn(r);
    }
    const byUrl = await peerCli(cwd, ["ls", peer.url, "--json"], { env: { PEER_KEY: peer.key } });
    assert.equal(byUrl.code, 0, "a URL with --key does not need the remotes file");
    await chmod(file(cwd), 0o600);
    assert.equal((await peerCli(cwd, ["ls", "nas"])).code, 0);
  });
});
