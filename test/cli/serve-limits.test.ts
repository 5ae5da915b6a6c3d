/**
 * `peer serve --max-connections` as a user runs it (a child process): over the
 * cap a connection gets a 503 and the refusal is logged; a bad value is a usage
 * error (exit 2). The refusal itself is tested in test/server/slow-clients.test.ts.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runPeer, startServe, type PeerProcess } from "./run-peer.js";

describe("peer serve --max-connections", { timeout: 600_000 }, () => {
  let cwd: string;
  let server: (PeerProcess & { url: string }) | undefined;
  before(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), "peer-cli-limits-"));
    await mkdir(path.join(cwd, "files"));
    await writeFile(path.join(cwd, "files", "a.txt"), "a");
  });
  after(async () => {
    await server?.stop("SIGKILL");
    await rm(cwd, { recursive: true, force: true });
  });

  test("a bad value: exit 2 naming the option", async () => {
    const r = await runPeer(["serve", "files", "--max-connections", "0"], { cwd });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--max-connections/);
  });

  test("over the cap: 503 and a warning in the log", async () => {
    server = await startServe(["files", "--max-connections", "2"], { cwd });
    const port = Number(new URL(server.url).port);
    const open = async () => {
      const s = net.connect(port, "127.0.0.1");
      s.on("error", () => undefined);
      await new Promise<void>((r) => s.once("connect", () => r()));
      return s;
    };
    const held = [await open(), await open()];
    const over = await open();
    let reply = "";
    over.on("data", (d: Buffer) => (reply += d.toString("latin1")));
    over.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((r) => over.once("close", r));
    assert.match(reply, /^HTTP\/1\.1 503 /);
    // The log line is written as the refusal happens; stderr reaches us on the pipe's own time.
    for (let i = 0; i < 600 && !/too many connections \(--max-connections\)/.test(server.stderr()); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(server.stderr(), /"maxConnections":2/);
    for (const s of held) s.destroy();
  });
});
