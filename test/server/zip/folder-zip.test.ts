/**
 * A folder as a .zip over a real peer: through a folder link (`?zip`) and the
 * web page (`/web/zip/<folder>/`, session cookie). Checked by `unzip -t`,
 * Python's zipfile (/usr/bin/python3) and `7z t` (Debian p7zip-full); the same
 * bytes twice; resumed with `curl -C -` → identical bytes; If-Range with the
 * manifest's ETag; a changed folder gives another ETag.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startTestPeer, type TestPeer } from "../../helpers/peer-server.js";
import { fileBytes } from "../http/helpers/cases.js";

const run = promisify(execFile);
const files: Record<string, Buffer> = {
  "Season 1/e01.bin": fileBytes(3 * 1024 * 1024 + 17, 11),
  "Season 1/a b.txt": Buffer.from("spaces\n"),
  "Season 1/caf\u00e9 NFC.txt": Buffer.from("nfc\n"),
  "Season 1/cafe\u0301 NFD.txt": Buffer.from("nfd\n"),
  "Season 1/deep/er/and/deeper/x.txt": Buffer.from("deep\n"),
  "Season 1/empty.txt": Buffer.alloc(0),
};
let peer: TestPeer;
let work: string;
let linkUrl: string;

async function tool(cmd: string, args: string[]): Promise<{ ok: boolean; out: string; missing?: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { maxBuffer: 1 << 24 });
    return { ok: true, out: stdout + stderr };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === "ENOENT") return { ok: false, out: "", missing: `${cmd} is not installed` };
    return { ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

before(async () => {
  peer = await startTestPeer({ files: Object.fromEntries(Object.entries(files).map(([k, v]) => [`Shows/${k}`, v])) });
  await mkdir(path.join(peer.shareDir, "Shows", "Season 1", "Empty folder"));
  work = await mkdtemp(path.join(os.tmpdir(), "peer-zip-"));
  const link = await peer.server.links.create({ target: "share/Shows/Season 1/", createdBy: peer.keyId });
  linkUrl = `${peer.url}/v1/links/${link.token}/`;
});
after(async () => {
  await peer?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("folder link ?zip", () => {
  test("exact Content-Length, an ETag, the listing offers it", async () => {
    const page = await (await fetch(linkUrl)).text();
    assert.match(page, /href="\?zip"[^>]*>Download as \.zip/);
    const head = await fetch(`${linkUrl}?zip`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), "application/zip");
    assert.match(head.headers.get("content-disposition") ?? "", /attachment.*Season 1\.zip/);
    assert.match(head.headers.get("etag") ?? "", /^"zip-[0-9a-f]{40}"$/);
    assert.equal(head.headers.get("accept-ranges"), "bytes");
    const body = Buffer.from(await (await fetch(`${linkUrl}?zip`)).arrayBuffer());
    assert.equal(body.length, Number(head.headers.get("content-length")));
  });

  test("unzip -t, Python zipfile and 7z t accept it; the tree and bytes are identical", async () => {
    const zip = path.join(work, "a.zip");
    const r = await tool("curl", ["-sSf", "-o", zip, `${linkUrl}?zip`]);
    assert.ok(r.ok, r.out);
    const unzip = await tool("unzip", ["-t", zip]);
    const sevenZip = await tool("7z", ["t", zip]);
    for (const [name, result] of [
      ["unzip", unzip],
      ["7z", sevenZip],
    ] as const) {
      if (result.missing !== undefined && process.env.CI !== "true") {
        console.log(`${name} check skipped: ${result.missing}`);
        continue;
      }
      assert.ok(result.ok, `${name}: ${result.out}`);
      assert.match(result.out, name === "unzip" ? /No errors detected/ : /Everything is Ok/);
    }
    const py = await tool("/usr/bin/python3", [
      "-c",
      "import json,sys,zipfile,hashlib\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps({i.filename:[i.file_size,hashlib.sha256(z.read(i)).hexdigest(),i.compress_type] for i in z.infolist()}))",
      zip,
    ]);
    assert.ok(py.ok, py.out);
    const listed = JSON.parse(py.out) as Record<string, [number, string, number]>;
    const expected: Record<string, [number, string, number]> = {};
    for (const [k, v] of Object.entries(files)) expected[k] = [v.length, sha(v), 0];
    expected["Season 1/Empty folder/"] = [0, sha(Buffer.alloc(0)), 0];
    assert.deepEqual(listed, expected);
  });

  test("the same bytes twice; resumed with curl -C - → identical bytes; If-Range by the ETag", async () => {
    const full = Buffer.from(await (await fetch(`${linkUrl}?zip`)).arrayBuffer());
    const again = Buffer.from(await (await fetch(`${linkUrl}?zip`)).arrayBuffer());
    assert.equal(sha(full), sha(again), "deterministic");
    for (const cut of [10, 1024 * 1024 + 5, full.length - 30]) {
      const part = path.join(work, `resume-${cut}.zip`);
      await writeFile(part, full.subarray(0, cut));
      const r = await tool("curl", ["-sSf", "-C", "-", "-o", part, `${linkUrl}?zip`]);
      assert.ok(r.ok, r.out);
      assert.equal(sha(await readFile(part)), sha(full), `resumed at ${cut}`);
    }
    const etag = (await fetch(`${linkUrl}?zip`, { method: "HEAD" })).headers.get("etag") ?? "";
    const ranged = await fetch(`${linkUrl}?zip`, { headers: { range: "bytes=100-199", "if-range": etag } });
    assert.equal(ranged.status, 206);
    assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(full.subarray(100, 200)));
    const stale = await fetch(`${linkUrl}?zip`, { headers: { range: "bytes=100-199", "if-range": '"zip-0"' } });
    assert.equal(stale.status, 200, "a stale If-Range gets the whole archive");
    await stale.arrayBuffer();
  });

  test("a changed folder has another ETag", async () => {
    const before = (await fetch(`${linkUrl}?zip`, { method: "HEAD" })).headers.get("etag");
    const changed = path.join(peer.shareDir, "Shows", "Season 1", "a b.txt");
    await writeFile(changed, "changed!\n");
    const after = (await fetch(`${linkUrl}?zip`, { method: "HEAD" })).headers.get("etag");
    assert.notEqual(before, after);
    await writeFile(changed, "spaces\n");
    await truncate(changed, 7);
  });

  test("a sub-folder of the link, and nothing outside it", async () => {
    const res = await fetch(`${linkUrl}deep/?zip`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-disposition") ?? "", /deep\.zip/);
    await res.arrayBuffer();
    assert.equal((await fetch(`${linkUrl}nope/?zip`)).status, 404);
    assert.equal((await fetch(`${linkUrl}..%2F/?zip`)).status, 404);
  });
});

describe("web page /web/zip/<folder>/", () => {
  test("needs a session; with one, the same archive as the link's", async () => {
    const anonymous = await fetch(`${peer.url}/web/zip/share/Shows/Season%201/`, { redirect: "manual" });
    assert.equal(anonymous.status, 303);
    const signIn = await fetch(`${peer.url}/web/sign-in`, {
      method: "POST",
      headers: { origin: peer.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key: peer.key }).toString(),
      redirect: "manual",
    });
    const cookie = /peer_session=([^;]+)/.exec(signIn.headers.get("set-cookie") ?? "")?.[1];
    assert.ok(cookie);
    const page = await (
      await fetch(`${peer.url}/web/browse/share/Shows/Season%201/`, { headers: { cookie: `peer_session=${cookie}` } })
    ).text();
    assert.match(page, /href="\/web\/zip\/share\/Shows\/Season%201\/"[^>]*>Download as \.zip/);
    assert.match(page, /href="\/v1\/torrents\/share\/Shows\/Season%201\/">\.torrent/, "the folder's torrent is linked");
    const res = await fetch(`${peer.url}/web/zip/share/Shows/Season%201/`, {
      headers: { cookie: `peer_session=${cookie}` },
    });
    assert.equal(res.status, 200);
    const web = Buffer.from(await res.arrayBuffer());
    const viaLink = Buffer.from(await (await fetch(`${linkUrl}?zip`)).arrayBuffer());
    assert.equal(sha(web), sha(viaLink));
  });
});
