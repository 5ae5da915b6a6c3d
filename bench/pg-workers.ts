/**
 * Several download workers on one PostgreSQL queue (README "Several machines"):
 *
 *   node --import tsx bench/pg-workers.ts [--files 3000] [--kill-files 1500] [--kills 5] [--lease 3]
 *
 * 1. Throughput: N queued 64 KiB files from one peer, run by 1 worker process, then by 3 (fresh
 *    queue each time): files/s, the ratio, worker CPU s/GiB; every file completed exactly once
 *    (completed rows = completion events = files on disk, all byte-identical).
 * 2. kill -9: 3 workers on a queue of M files; one worker is killed at a random moment, 5 times
 *    (a fresh worker replaces it): the jobs it held finish on the others within two lease
 *    periods; every file byte-identical; no job completed twice.
 *
 * Uses PEER_TEST_DATABASE_URL (a fresh database per run), or starts a private cluster with
 * test/pg/start-cluster.sh. Loopback only. Prints markdown. Not part of the timed test suite.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { pino } from "pino";
import { createDownloadManager } from "../client/index.js";
import { startPeerServer } from "../server/index.js";
import { freshDatabase } from "../test/helpers/pg.js";
import { startPrivateCluster } from "../test/helpers/pg-cluster.js";
import { REPO_ROOT } from "./child.js";
import { processCpuSeconds } from "./cpu.js";

const FILE_SIZE = 64 * 1024;
const PEER_BIN = path.join(REPO_ROOT, "bin", "peer.js");

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} takes a positive whole number`);
  return v;
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A worker process and what it reported. */
interface Worker {
  readonly name: string;
  readonly child: ChildProcess;
  readonly completed: string[];
  cpu: number;
  readonly exited: Promise<number | null>;
}

function spawnWorker(name: string, env: Record<string, string>, cwd: string, leaseS: number): Worker {
  const child = spawn(
    process.execPath,
    [
      PEER_BIN,
      "downloads",
      "run",
      "--worker",
      name,
      "--until-empty",
      "--concurrency",
      "4",
      "--lease",
      String(leaseS),
      "--json",
    ],
    { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const w: Worker = {
    name,
    child,
    completed: [],
    cpu: 0,
    exited: new Promise((r) => child.on("exit", (code) => r(code))),
  };
  let pending = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => {
    pending += s;
    for (let i = pending.indexOf("\n"); i >= 0; i = pending.indexOf("\n")) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      try {
        const e = JSON.parse(line) as { type?: string; id?: string };
        if (e.type === "completed" && e.id !== undefined) w.completed.push(e.id);
      } catch {
        // not a JSON line
      }
    }
  });
  child.stderr?.resume();
  // CPU from /proc, sampled until exit (the last 250 ms may be missed).
  const timer = setInterval(() => {
    if (child.pid !== undefined) w.cpu = Math.max(w.cpu, processCpuSeconds(child.pid) || 0);
  }, 250);
  void w.exited.then(() => clearInterval(timer));
  return w;
}

/** Queues every file of the share into a fresh database; returns its URL. */
async function queue(
  adminUrl: string,
  peerUrl: string,
  key: string,
  names: readonly string[],
  out: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const db = await freshDatabase(adminUrl);
  const m = createDownloadManager({ databaseUrl: db.url, keys: [key] });
  await m.start({ runQueue: false, runJobs: false });
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < names.length) {
        const name = names[next++]!;
        // A loaded machine drops a connection now and then: try again, a few times.
        for (let attempt = 1; ; attempt++) {
          try {
            await m.enqueue({ url: peerUrl, key }, `share/${name}`, { outDir: out });
            break;
          } catch (error) {
            if (attempt >= 5) throw error;
            await sleep(200 * attempt);
          }
        }
      }
    }),
  );
  await m.close();
  return db;
}

/** Rows by status, and files on disk that match their source. */
async function verify(
  url: string,
  out: string,
  sources: Map<string, string>,
): Promise<{ rows: number; files: number; identical: number; spanS: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ n: string; first: string; last: string }>(
    "select count(*) as n, min(completed_at) as first, max(completed_at) as last from download where status = 'completed'",
  );
  await client.end();
  const spanS = (Number(rows[0]?.last) - Number(rows[0]?.first)) / 1000;
  const names = (await readdir(out)).filter((f) => f.endsWith(".bin"));
  let identical = 0;
  for (const f of names) if (sha(await readFile(path.join(out, f))) === sources.get(f)) identical++;
  return { rows: Number(rows[0]?.n ?? 0), files: names.length, identical, spanS };
}

async function throughput(workers: number, ctx: Ctx): Promise<string> {
  const out = await mkdtemp(path.join(ctx.root, `out-${workers}-`));
  const db = await queue(ctx.adminUrl, ctx.peerUrl, ctx.key, ctx.names, out);
  const env = { PEER_KEY: ctx.key, PEER_DATABASE_URL: db.url };
  const t0 = performance.now();
  const ws = Array.from({ length: workers }, (_, i) => spawnWorker(`t${workers}-${i}`, env, ctx.root, 30));
  await Promise.all(ws.map((w) => w.exited));
  const seconds = (performance.now() - t0) / 1000;
  const events = ws.flatMap((w) => w.completed);
  const v = await verify(db.url, out, ctx.sources);
  await db.drop();
  const cpu = ws.reduce((s, w) => s + w.cpu, 0);
  const gib = (ctx.names.length * FILE_SIZE) / 2 ** 30;
  // Steady state: first to last completion (the workers' start-up, seconds under load, is left out).
  const steady = v.rows / Math.max(0.001, v.spanS);
  ctx.rates.set(workers, steady);
  return `| ${workers} | ${ctx.names.length} | ${seconds.toFixed(1)} | ${(ctx.names.length / seconds).toFixed(1)} | ${steady.toFixed(1)} | ${(cpu / gib).toFixed(0)} | ${v.rows} | ${events.length} (${new Set(events).size} distinct) | ${v.files} (${v.identical} identical) |`;
}

async function kills(count: number, files: number, leaseS: number, ctx: Ctx): Promise<string[]> {
  const out = await mkdtemp(path.join(ctx.root, "out-kill-"));
  const names = ctx.names.slice(0, files);
  const db = await queue(ctx.adminUrl, ctx.peerUrl, ctx.key, names, out);
  const env = { PEER_KEY: ctx.key, PEER_DATABASE_URL: db.url };
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const all: Worker[] = [];
  const live: Worker[] = [];
  const add = (name: string) => {
    const w = spawnWorker(name, env, ctx.root, leaseS);
    all.push(w);
    live.push(w);
  };
  for (let i = 0; i < 3; i++) add(`k${i}`);
  const lines: string[] = [];
  const pendingChecks: Array<Promise<void>> = [];
  const heldBy = async (w: Worker) =>
    (
      await client.query<{ id: string }>(
        "select id from download where lease_owner like $1 and status in ('queued','downloading','verifying')",
        [`${w.name}@%`],
      )
    ).rows;
  for (let k = 0; k < count; k++) {
    // A random moment once the workers are working (start-up takes seconds under load).
    await sleep(500 + Math.random() * 2500);
    let victim: Worker | undefined;
    let held: Array<{ id: string }> = [];
    while (victim === undefined) {
      const candidate = live[Math.floor(Math.random() * live.length)]!;
      held = await heldBy(candidate);
      if (held.length > 0) victim = candidate;
      else await sleep(200);
    }
    live.splice(live.indexOf(victim), 1);
    victim.child.kill("SIGKILL");
    const killedAt = Date.now();
    add(`r${k}`);
    const ids = held.map((r) => r.id);
    pendingChecks.push(
      (async () => {
        for (;;) {
          const { rows } = await client.query<{ done: string; last: string | null }>(
            "select count(*) as done, max(completed_at) as last from download where id = any($1) and status = 'completed'",
            [ids],
          );
          if (Number(rows[0]?.done) === ids.length) {
            const late = ids.length === 0 ? 0 : (Number(rows[0]?.last) - killedAt) / 1000;
            lines.push(
              `| ${k + 1} | ${victim.name} | ${ids.length} | ${late.toFixed(1)} | ${late <= 2 * leaseS ? "yes" : "NO"} |`,
            );
            return;
          }
          await sleep(200);
        }
      })(),
    );
  }
  await Promise.all(live.map((w) => w.exited));
  await Promise.all(pendingChecks);
  await client.end();
  const events = all.flatMap((w) => w.completed);
  const v = await verify(db.url, out, ctx.sources);
  await db.drop();
  lines.push(
    "",
    `Files ${names.length}; completed rows ${v.rows}; completion events ${events.length} (${new Set(events).size} distinct: ` +
      `${events.length - new Set(events).size} completed twice); files on disk ${v.files}, byte-identical ${v.identical}.`,
  );
  return lines;
}

interface Ctx {
  root: string;
  adminUrl: string;
  peerUrl: string;
  key: string;
  names: string[];
  sources: Map<string, string>;
  rates: Map<number, number>;
}

async function main(): Promise<void> {
  const files = arg("files", 3000);
  const killFiles = arg("kill-files", 1500);
  const killCount = arg("kills", 5);
  const leaseS = arg("lease", 3);
  const root = await mkdtemp(path.join(os.tmpdir(), "peer-bench-pg-"));
  const cluster = process.env.PEER_TEST_DATABASE_URL ? undefined : await startPrivateCluster();
  const adminUrl = process.env.PEER_TEST_DATABASE_URL || cluster!.url;
  const share = path.join(root, "share");
  await mkdir(share);
  const sources = new Map<string, string>();
  const names: string[] = [];
  for (let i = 0; i < Math.max(files, killFiles); i++) {
    const name = `f${String(i).padStart(5, "0")}.bin`;
    const bytes = randomBytes(FILE_SIZE);
    await writeFile(path.join(share, name), bytes);
    sources.set(name, sha(bytes));
    names.push(name);
  }
  const server = await startPeerServer({
    shares: [{ name: "share", dir: share }],
    dataDir: path.join(root, "server"),
    port: 0,
    logger: pino({ level: "silent" }),
  });
  const { key } = await server.keys.create({ name: "bench" });
  const ctx: Ctx = {
    root,
    adminUrl,
    peerUrl: server.url,
    key,
    names: names.slice(0, files),
    sources,
    rates: new Map(),
  };
  try {
    console.log(
      `## PostgreSQL queue: ${files} files of 64 KiB from one peer (${os.cpus().length} CPUs, ${os.loadavg()[0]?.toFixed(1)} load)\n`,
    );
    console.log(
      "| workers | files | wall s | files/s (wall) | files/s (steady) | worker CPU s/GiB | completed rows | completion events | files on disk |",
    );
    console.log("|---:|---:|---:|---:|---:|---:|---:|---|---|");
    for (const w of [1, 3]) console.log(await throughput(w, ctx));
    console.log(
      `\n3 workers vs 1 (steady files/s): ${((ctx.rates.get(3) ?? 0) / (ctx.rates.get(1) ?? 1)).toFixed(2)}×\n`,
    );
    console.log(`## kill -9 of one worker, ${killCount} times (3 workers, ${killFiles} files, lease ${leaseS} s)\n`);
    console.log("| kill | worker | jobs it held | last of them completed after (s) | within 2 leases |");
    console.log("|---:|---|---:|---:|---|");
    for (const line of await kills(killCount, killFiles, leaseS, { ...ctx, names })) console.log(line);
  } finally {
    await server.close();
    await cluster?.remove();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
