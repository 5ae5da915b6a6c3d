/**
 * Ids that try to leave their share all answer NOT_FOUND, with no bytes,
 * exactly like unknown ids: over StatItem and ReadFile on every protocol,
 * over Connect GET (percent-encoding decoded once), and on the HTTP route.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { PEER_PROTOCOLS, peerClient, startTestPeer, type TestPeer } from "../helpers/peer-server.js";

const SECRET = "top secret, outside the share";
let peer: TestPeer;
before(async () => {
  peer = await startTestPeer({ files: { "ok.txt": "fine", "dir/inner.txt": "inner" } });
  // Next to the share, in the same temp root: what an escape would reach.
  const outside = path.join(path.dirname(peer.shareDir), "secret.txt");
  await writeFile(outside, SECRET);
  await mkdir(path.join(path.dirname(peer.shareDir), "outdir"));
  await writeFile(path.join(path.dirname(peer.shareDir), "outdir", "x.txt"), SECRET);
  await symlink(outside, path.join(peer.shareDir, "link-out"));
  await symlink(path.join(path.dirname(peer.shareDir), "outdir"), path.join(peer.shareDir, "dirlink-out"));
  await symlink("ok.txt", path.join(peer.shareDir, "link-in")); // stays inside: allowed
});
after(() => peer.close());

const hostile: Array<[string, string]> = [
  ["dot-dot", "share/../secret.txt"],
  ["dot-dot deeper", "share/dir/../../secret.txt"],
  ["dot-dot at the end", "share/dir/.."],
  ["dot segment", "share/./ok.txt"],
  ["literal %2e%2e (decoded once, so a name)", "share/%2e%2e/secret.txt"],
  ["encoded separator stays a name", "share/..%2fsecret.txt"],
  ["encoded backslash stays a name", "share/..%5csecret.txt"],
  ["absolute path", "/etc/passwd"],
  ["absolute after share", "share//etc/passwd"],
  ["empty segment", "share/dir//inner.txt"],
  ["trailing slash", "share/dir/"],
  ["share only", "share"],
  ["share with slash", "share/"],
  ["empty", ""],
  ["NUL byte", "share/ok.txt\u0000.png"],
  ["backslash", "share\\..\\secret.txt"],
  ["backslash inside", "share/dir\\inner.txt"],
  ["symlink out of the share", "share/link-out"],
  ["through a symlinked dir out of the share", "share/dirlink-out/x.txt"],
  ["a directory", "share/dir"],
  ["unknown share", "secret/secret.txt"],
  ["share name dot-dot", "../secret.txt"],
  ["very long", "share/" + "a/".repeat(3000) + "b"],
];

for (const protocol of PEER_PROTOCOLS) {
  describe(`escapes over ${protocol}`, () => {
    for (const [name, itemId] of hostile) {
      test(name, async () => {
        const client = peerClient(peer.url, protocol);
        const headers = { authorization: `Bearer ${peer.key}` };
        await assert.rejects(
          client.statItem({ itemId }, { headers }),
          (e: unknown) => ConnectError.from(e).code === Code.NotFound,
        );
        let bytes = 0;
        await assert.rejects(
          (async () => {
            for await (const m of client.readFile({ itemId }, { headers })) bytes += m.data.length + 1;
          })(),
          (e: unknown) => ConnectError.from(e).code === Code.NotFound,
        );
        assert.equal(bytes, 0, "no message before NOT_FOUND");
      });
    }
    test("a symlink that stays inside the share is served", async () => {
      const client = peerClient(peer.url, protocol);
      const res = await client.statItem({ itemId: "share/link-in" }, { headers: { "x-api-key": peer.key } });
      assert.equal(res.item?.size, 4n);
    });
  });
}

test("Connect GET: encoded ids are decoded once, never resolved outside", async () => {
  for (const itemId of [
    "share/../secret.txt",
    "share/%2e%2e/secret.txt",
    "share/%2E%2E%2Fsecret.txt",
    "share/link-out",
  ]) {
    const message = encodeURIComponent(JSON.stringify({ itemId }));
    const res = await fetch(`${peer.url}/peer.v1.PeerService/StatItem?encoding=json&message=${message}`, {
      headers: { authorization: `Bearer ${peer.key}` },
    });
    const body = await res.text();
    assert.equal(res.status, 404, `${itemId}: ${body}`);
    assert.ok(!body.includes("secret, outside"), "no bytes of the secret");
  }
});

test("HTTP route: escapes are 404 and never the secret", async () => {
  const paths = [
    "/v1/files/share/../secret.txt",
    "/v1/files/share/%2e%2e/secret.txt",
    "/v1/files/share/%2E%2E%2Fsecret.txt",
    "/v1/files/share/..%2fsecret.txt",
    "/v1/files/share/..%5csecret.txt",
    "/v1/files/share/link-out",
    "/v1/files/share/dirlink-out/x.txt",
    "/v1/files/share/ok.txt%00",
    "/v1/files/%2fetc%2fpasswd",
  ];
  for (const p of paths) {
    const res = await fetch(peer.url + p, { headers: { authorization: `Bearer ${peer.key}` } });
    const body = await res.text();
    assert.ok(res.status === 404 || res.status === 400, `${p}: status ${res.status}`);
    assert.ok(!body.includes(SECRET), `${p}: leaked the secret`);
  }
});
