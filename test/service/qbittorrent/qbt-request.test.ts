import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { flag, parseHashes, parseParams, sidCookie } from "../../../service/qbittorrent/qbt-request.js";
import { saveDir } from "../../../service/qbittorrent/qbt-handlers.js";

const H = "a".repeat(40);

describe("parseHashes", () => {
  const cases: Array<[string, string | undefined, readonly string[] | "all"]> = [
    ["SQL-ish junk", "' OR 1=1 --", []],
    ["too short", "abc", []],
    ["v2 length (64) is not an id here", "b".repeat(64), []],
    ["missing", undefined, []],
    ["all", " all ", "all"],
    ["upper case, spaces, pipes", ` ${H.toUpperCase()} |${"c".repeat(40)}`, [H, "c".repeat(40)]],
  ];
  for (const [name, input, want] of cases) test(name, () => assert.deepEqual(parseHashes(input), want));
});

describe("saveDir", () => {
  const cases: Array<[string, string, string | undefined]> = [
    ["absolute outside", "/etc", undefined],
    ["relative escape", "../x", undefined],
    ["absolute sibling with a common prefix", "/srv/dl-other/x", undefined],
    ["backslashes become folders", "tv\\show", "tv/show"],
    ["absolute inside", "/srv/dl/tv", "tv"],
    ["the root itself", "/srv/dl", ""],
    ["relative", "movies/hd", "movies/hd"],
  ];
  for (const [name, input, want] of cases) test(name, () => assert.equal(saveDir("/srv/dl", input), want));
});

test("flag and the SID cookie", () => {
  assert.equal(flag("TRUE"), true);
  assert.equal(flag("1"), false);
  assert.equal(flag(undefined), false);
  assert.equal(sidCookie("t", 60, false), "SID=t; Path=/; Max-Age=60; HttpOnly; SameSite=Strict");
  assert.equal(sidCookie("t", 60, true), "SID=t; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure");
});

test("parseParams: query, urlencoded and multipart (files under any name)", async () => {
  const form = new FormData();
  form.append("category", "tv");
  form.append("file", new Blob([new Uint8Array([1, 2])]), "a.torrent");
  const req = new Request("http://x/", { method: "POST", body: form });
  const body = Buffer.from(await req.arrayBuffer());
  const p = await parseParams(new URLSearchParams("hash=x"), req.headers.get("content-type") ?? "", body);
  assert.equal(p.get("category"), "tv");
  assert.equal(p.get("hash"), "x");
  assert.deepEqual(
    p.files().map((f) => [...f]),
    [[1, 2]],
  );
  const plain = await parseParams(new URLSearchParams(), "application/x-www-form-urlencoded", Buffer.from("a=1&b=%20"));
  assert.equal(plain.get("b"), " ");
  const ignored = await parseParams(new URLSearchParams(), "text/plain", Buffer.from("a=1"));
  assert.equal(ignored.get("a"), undefined);
});
