/** The data directory is private: the pure mode decision, and a real peer started over a 0755 directory. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { privateDirMode } from "../../../server/store/private-dir.js";
import { startPeerServer } from "../../../server/index.js";
import { captureLogger } from "../../helpers/peer-server.js";

describe("privateDirMode", () => {
  const cases: Array<[string, number, number | undefined]> = [
    ["world-writable with sticky bit", 0o41777, 0o1700],
    ["0777", 0o40777, 0o700],
    ["0755 (the usual mkdir)", 0o40755, 0o700],
    ["group read only", 0o40740, 0o700],
    ["setgid kept, others cleared", 0o42750, 0o2700],
    ["already 0700", 0o40700, undefined],
    ["0500", 0o40500, undefined],
  ];
  for (const [name, mode, expected] of cases) test(name, () => assert.equal(privateDirMode(mode), expected));
});

describe("a peer over an existing 0755 data dir", () => {
  test("tightens it to 0700 and says so in the log", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "peer-datadir-"));
    const dataDir = path.join(root, "data");
    const log = captureLogger();
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    const share = path.join(root, "share");
    await mkdir(share);
    const server = await startPeerServer({
      shares: [{ name: "share", dir: share }],
      dataDir,
      port: 0,
      logger: log.logger,
    });
    try {
      assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
      const line = log.lines.find((l) => l.msg === "data directory was open to others; made it private");
      assert.ok(line, "a warning names the change");
      assert.equal(line.from, "755");
      assert.equal(line.to, "700");
    } finally {
      await server.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
