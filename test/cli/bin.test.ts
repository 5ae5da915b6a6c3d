/**
 * bin/peer.js, the installed command: it runs the compiled CLI in dist/ and,
 * when dist/ was never built, says how to build it. The CLI itself is tested
 * from source (run-peer.ts); here a copy of the real bin runs against a dist/
 * that is missing, then against a stand-in entry that reports what it got.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
const BIN = fileURLToPath(new URL("../../bin/peer.js", import.meta.url));

async function copyOfBin(): Promise<{ root: string; bin: string }> {
  const root = await mkdtemp(path.join(tmpdir(), "peer-bin-"));
  await mkdir(path.join(root, "bin"));
  const bin = path.join(root, "bin", "peer.js");
  await copyFile(BIN, bin);
  // The copy must be an ES module like the original (package.json "type": "module").
  await writeFile(path.join(root, "package.json"), JSON.stringify({ type: "module" }));
  return { root, bin };
}

test("bin/peer.js without dist/ says to run npm ci or npm run build, and exits 1", async () => {
  const { root, bin } = await copyOfBin();
  try {
    const run = await exec(process.execPath, [bin, "--help"]).then(
      () => assert.fail("expected a non-zero exit"),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /compiled CLI is missing \(dist\/cli\/entry\.js\)/);
    assert.match(run.stderr, /npm ci/);
    assert.match(run.stderr, /npm run build/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("bin/peer.js runs dist/cli/entry.js with the command's arguments", async () => {
  const { root, bin } = await copyOfBin();
  try {
    await mkdir(path.join(root, "dist", "cli"), { recursive: true });
    await writeFile(
      path.join(root, "dist", "cli", "entry.js"),
      "process.stdout.write(JSON.stringify(process.argv.slice(2)));\nprocess.exitCode = 3;\n",
    );
    const run = await exec(process.execPath, [bin, "get", "--json", "a b"]).then(
      () => assert.fail("expected exit code 3 from the stand-in entry"),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal(run.code, 3);
    assert.deepEqual(JSON.parse(run.stdout), ["get", "--json", "a b"]);
    assert.equal(run.stderr, "");
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
