import { selfSignedCert } from "../helpers/self-signed-cert.js";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { runPeer, startServe, type PeerProcess } from "./run-peer.js";

const exec = promisify(execFile);

describe("peer serve --tls-cert/--tls-key", { timeout: 600_000 }, () => {
  let cwd: string;
  let certFile: string;
  let server: (PeerProcess & { url: string }) | undefined;
  before(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), "peer-cli-tls-"));
    ({ certFile } = await selfSignedCert(cwd));
    server = await startServe(["--first-run", "--tls-cert", "cert.pem", "--tls-key", "key.pem"], { cwd });
  });
  after(async () => {
    await server?.stop("SIGKILL");
    await rm(cwd, { recursive: true, force: true });
  });

  test("serves https; first-run lines use --cacert and work; ls trusts the CA through NODE_EXTRA_CA_CERTS", async () => {
    assert.match(server!.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    await server!.waitForStdout(/Stop with Ctrl-C/);
    const out = server!.stdout();
    const key = /^ {2}(peer_\S+)$/m.exec(out)?.[1];
    assert.ok(key, out);
    const curlLines = out
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.startsWith("curl "));
    assert.equal(curlLines.length, 2);
    for (const line of curlLines) assert.ok(line.includes(`--cacert ${certFile}`), line);
    const file = await exec("bash", ["-c", curlLines[0]!.replace(/^curl /, "curl -sS --fail ")], { cwd });
    assert.match(file.stdout, /Hello from peer/);

    const untrusted = await runPeer(["ls", server!.url, "--key", key], { cwd });
    assert.equal(untrusted.code, 1, "a self-signed certificate is refused by default");
    const trusted = await runPeer(["ls", server!.url, "--key", key, "--json"], {
      cwd,
      env: { NODE_EXTRA_CA_CERTS: certFile },
    });
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.equal((JSON.parse(trusted.stdout) as { id: string }).id, "share/hello.txt");
  });

  test("SIGTERM exits 0", async () => {
    const result = await server!.stop("SIGTERM");
    assert.equal(result.code, 0, result.stderr);
  });
});
