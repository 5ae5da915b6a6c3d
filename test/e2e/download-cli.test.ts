/**
 * The `peer get` and `peer downloads` commands as real child processes:
 * exit codes, JSON lines, kill -9 mid-download then resume, two processes on
 * one database, and the queue commands.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, readdir } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startTcpProxy } from "../helpers/proxy-tcp.js";
import { runCli, spawnCli } from "../helpers/download-cli.js";
import { sha256, tempDir, waitFor } from "../helpers/download-fixtures.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const small = randomBytes(300_000);
const big = randomBytes(24 * 1024 * 1024);

before(async () => {
  peer = await startTestPeer({
    files: { "small.bin": small, "big.bin": big, "two.bin": randomBytes(4 * 1024 * 1024), "q.bin": small },
  });
  work = await tempDir();
});
after(async () => {
  await peer.close();
  await work.remove();
});

async function dirs(name: string) {
  const cwd = path.join(work.dir, name);
  await mkdir(cwd, { recursive: true });
  return { cwd, env: { PEER_KEY: peer.key, PEER_DATA_DIR: path.join(cwd, "state") } };
}

test("usage errors exit 2 and do nothing", async () => {
  const { cwd, env } = await dirs("usage");
  const cases: Array<[string, string[], Record<string, string>]> = [
    ["no key", ["get", peer.url, "share/small.bin"], { PEER_KEY: "" }],
    ["not a URL", ["get", "nope", "share/small.bin"], {}],
    ["ftp URL", ["get", "ftp://127.0.0.1/", "share/small.bin"], {}],
    ["unknown transport", ["get", peer.url, "share/small.bin", "--transport", "carrier-pigeon"], {}],
    ["zero concurrency", ["get", peer.url, "share/small.bin", "--concurrency", "0"], {}],
    ["no item", ["get", peer.url], {}],
    ["bad status filter", ["downloads", "list", "--status", "sleeping"], {}],
  ];
  const runs = await Promise.all(cases.map(([, args, extra]) => runCli(args, { cwd, env: { ...env, ...extra } })));
  for (const [i, [name]] of cases.entries()) {
    const r = runs[i]!;
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /error/i, name);
  }
  assert.deepEqual(
    (await readdir(cwd)).filter((f) => f !== "state"),
    [],
  );
});

test("peer get --json: exit 0, one JSON object per line, verified file", async () => {
  const { cwd, env } = await dirs("ok");
  const r = await runCli(["get", peer.url, "share/small.bin", "--json", "--out", "files"], { cwd, env });
  assert.equal(r.code, 0, r.stderr);
  const types = r.lines.map((l) => l.type);
  for (const t of ["queued", "started", "validated", "progress", "verifying", "completed", "summary"])
    assert.ok(types.includes(t), `${t} in ${types.join(",")}`);
  const completed = r.lines.find((l) => l.type === "completed")!;
  assert.equal(completed.sha256, sha256(small));
  assert.equal(completed.destination, path.join(cwd, "files", "small.bin"));
  assert.deepEqual(r.lines.at(-1), { type: "summary", completed: 1, incomplete: 0 });
  assert.deepEqual(await readFile(path.join(cwd, "files", "small.bin")), small);
  assert.deepEqual(r.otherLines, [], "stdout is only JSON lines");
  for (const l of r.lines) assert.ok(typeof l.type === "string");
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(peer.key), "the key is never printed");
});

test("peer get: a missing item among others → exit 1, the others still complete", async () => {
  const { cwd, env } = await dirs("partial");
  const r = await runCli(["get", peer.url, "share/nope.bin", "share/q.bin"], { cwd, env });
  assert.equal(r.code, 1);
  const failed = r.lines.find((l) => l.type === "failed");
  assert.equal(failed?.itemId, "share/nope.bin");
  assert.equal((failed?.error as { code: string } | undefined)?.code, "not-found");
  assert.ok(r.lines.some((l) => l.type === "completed" && l.fileName === "q.bin"));
  assert.deepEqual(await readFile(path.join(cwd, "q.bin")), small);
});

test("kill -9 of peer get mid-download, then the same command again: resumes and ends byte-identical", async (t) => {
  const { cwd, env } = await dirs("kill");
  const proxy = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), bytesPerSecond: 1024 * 1024 });
  t.after(() => proxy.close());
  const args = ["get", proxy.url, "share/big.bin", "--json"];
  const first = spawnCli(args, { cwd, env });
  const dbFile = path.join(env.PEER_DATA_DIR, "downloads.db");
  // Wait for a durable checkpoint (every 10 s by default), then kill without warning.
  const committed = await waitFor(
    () => {
      try {
        const db = new Database(dbFile, { readonly: true, fileMustExist: true });
        try {
          const row = db.prepare("select committed_bytes as c from download").get() as { c: number } | undefined;
          return row !== undefined && row.c > 0 ? row.c : undefined;
        } finally {
          db.close();
        }
      } catch {
        return undefined;
      }
    },
    "a checkpoint",
    120_000,
  );
  first.child.kill("SIGKILL");
  const killed = await first.done;
  assert.equal(killed.signal, "SIGKILL");
  assert.ok(committed < big.length, "killed mid-download");
  const parts = await readdir(cwd);
  assert.ok(parts.includes("big.bin.part") && !parts.includes("big.bin"));
  proxy.setRate(undefined);
  const second = await runCli(args, { cwd, env });
  assert.equal(second.code, 0, second.stderr);
  const started = second.lines.find((l) => l.type === "started");
  assert.ok(Number(started?.resumeFrom) >= committed, `resumed from ${String(started?.resumeFrom)} ≥ ${committed}`);
  assert.equal(second.lines.filter((l) => l.type === "queued").length, 0, "the same job, not a new one");
  assert.deepEqual(await readFile(path.join(cwd, "big.bin")), big);
  assert.deepEqual((await readdir(cwd)).sort(), ["big.bin", "state"]);
});

test("two peer get processes on one database never download one job at once", async (t) => {
  const { cwd, env } = await dirs("two");
  const proxy = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), bytesPerSecond: 2 * 1024 * 1024 });
  t.after(() => proxy.close());
  const args = ["get", proxy.url, "share/two.bin", "--json"];
  const [a, b] = await Promise.all([runCli(args, { cwd, env }), runCli(args, { cwd, env })]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const startedA = a.lines.filter((l) => l.type === "started").length;
  const startedB = b.lines.filter((l) => l.type === "started").length;
  assert.ok((startedA === 0) !== (startedB === 0), `exactly one process downloaded (a: ${startedA}, b: ${startedB})`);
  const idA = a.lines.find((l) => l.type === "completed")?.id;
  const idB = b.lines.find((l) => l.type === "completed")?.id;
  assert.ok(idA !== undefined && idA === idB, "both report the same job completed");
  const db = new Database(path.join(env.PEER_DATA_DIR, "downloads.db"), { readonly: true });
  try {
    assert.equal((db.prepare("select count(*) as n from download").get() as { n: number }).n, 1);
  } finally {
    db.close();
  }
});

test("peer downloads list/show/cancel/retry/rm/run", async (t) => {
  const { cwd, env } = await dirs("queue");
  const proxy = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), bytesPerSecond: 256 * 1024 });
  t.after(() => proxy.close());
  // Start a slow download and interrupt it with SIGINT: the job stays resumable.
  const get = spawnCli(["get", proxy.url, "share/two.bin", "--json", "--transport", "http"], { cwd, env });
  await waitFor(() => get.lines.find((l) => l.type === "progress" && Number(l.bytes) > 0), "progress");
  get.child.kill("SIGINT");
  const interrupted = await get.done;
  assert.equal(interrupted.code, 130, "an interrupted peer get exits 130 (128 + SIGINT)");
  assert.match(interrupted.stderr, /resumable/);

  const list = await runCli(["downloads", "list", "--json"], { cwd, env });
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.lines.length, 1);
  const job = list.lines[0]!;
  assert.equal(job.status, "queued");
  assert.equal(job.itemId, "share/two.bin");
  const short = String(job.id).slice(0, 8);

  const show = await runCli(["downloads", "show", short, "--json"], { cwd, env });
  assert.equal(show.lines[0]?.id, job.id);
  const human = await runCli(["downloads", "show", short], { cwd, env });
  assert.match(human.stdout, /status\s+queued/);

  const cancel = await runCli(["downloads", "cancel", short, "--json"], { cwd, env });
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.equal(cancel.lines[0]?.status, "cancelled");
  const again = await runCli(["downloads", "cancel", short], { cwd, env });
  assert.equal(again.code, 1, "a cancelled job cannot be cancelled again");

  const retry = await runCli(["downloads", "retry", short, "--json"], { cwd, env });
  assert.equal(retry.lines[0]?.status, "queued");
  proxy.setRate(undefined);
  const noKey = await runCli(["downloads", "run", "--json"], { cwd, env: { ...env, PEER_KEY: "" } });
  assert.equal(
    noKey.code,
    1,
    `no key for the job peer: ${noKey.stdout} ${noKey.stderr} ${JSON.stringify(retry.lines)}`,
  );
  assert.ok(noKey.lines.some((l) => l.type === "failed" && (l.error as { code: string }).code === "no-key"));
  await runCli(["downloads", "retry", short], { cwd, env });
  const run = await runCli(["downloads", "run", "--json"], { cwd, env });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.lines.some((l) => l.type === "completed" && l.id === job.id));
  assert.deepEqual(await readFile(path.join(cwd, "two.bin")), await readFile(path.join(peer.shareDir, "two.bin")));

  const rm = await runCli(["downloads", "rm", short, "--json"], { cwd, env });
  assert.equal(rm.code, 0, rm.stderr);
  assert.deepEqual(rm.lines[0]?.removed, [path.join(cwd, "two.bin")]);
  const empty = await runCli(["downloads", "list", "--json"], { cwd, env });
  assert.equal(empty.lines.length, 0);
  const missing = await runCli(["downloads", "show", "ffffffff"], { cwd, env });
  assert.equal(missing.code, 1);
});
