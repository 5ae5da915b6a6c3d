/** The downloads view's templates and small decisions (pure): hostile names and errors first. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Code } from "@connectrpc/connect";
import { isViewPath } from "../../../server/web/web-view.js";
import type { DownloadRow } from "../../../service/downloads-view/download-row.js";
import { downloadsList, downloadsPage } from "../../../service/downloads-view/downloads-page.js";
import { httpStatusOf } from "../../../service/downloads-view/downloads-view.js";
import { playPage } from "../../../service/downloads-view/play-page.js";

const ROW: DownloadRow = {
  id: 'x" onclick="alert(1)',
  name: "<script>alert(1)</script>\u202egpj.exe",
  state: "failed",
  done: 10,
  size: 100,
  percent: 10,
  rate: 0,
  etaSeconds: undefined,
  error: "io: <b>disk</b> full",
  actions: ["retry", "remove", "remove-files"],
  player: undefined,
};

describe("downloads templates", () => {
  test("hostile name, id and error are text; bidi shown escaped", () => {
    const text = downloadsList({ rows: [ROW], total: 1 }, "tok").text;
    assert.doesNotMatch(text, /<script>|<b>|" onclick=/);
    assert.match(text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;\\u202egpj\.exe/);
    assert.match(text, /value="x&quot; onclick=&quot;alert\(1\)"/);
    assert.match(text, /io: &lt;b&gt;disk&lt;\/b&gt; full/);
    assert.match(text, /<progress max="100" value="10"/);
    assert.match(text, /value="retry">Retry</);
    assert.doesNotMatch(text, /value="pause"/);
  });
  test("more downloads than rows: the note says how many", () => {
    assert.match(downloadsList({ rows: [ROW], total: 3 }, "t").text, /The newest 1 of 3 downloads/);
    assert.doesNotMatch(downloadsList({ rows: [ROW], total: 1 }, "t").text, /The newest/);
  });
  test("empty list, no remotes: notes instead of a table and the add-by-remote form", () => {
    const page = downloadsPage({ list: { rows: [], total: 0 }, csrf: "t", remotes: [], error: "<i>bad</i>" }).text;
    assert.match(page, /No downloads yet/);
    assert.match(page, /No remotes yet/);
    assert.doesNotMatch(page, /action="\/web\/downloads\/add"/);
    assert.match(page, /action="\/web\/downloads\/torrent"/);
    assert.match(page, /role="alert">&lt;i&gt;bad&lt;\/i&gt;/);
    assert.match(page, /<script src="\/web\/downloads\/refresh.js"><\/script>/);
  });
});

describe("play page", () => {
  const playing: DownloadRow = { ...ROW, state: "downloading", error: undefined, player: "video" };
  test("hostile name and id are text; the element's src is the escaped content route", () => {
    const text = playPage(playing, "tok").text;
    assert.doesNotMatch(text, /<script>|" onclick=/);
    assert.match(text, /<h1><bdi>&lt;script&gt;alert\(1\)&lt;\/script&gt;\\u202egpj\.exe<\/bdi><\/h1>/);
    assert.match(
      text,
      /<video class="player" id="player" controls autoplay preload="auto" src="\/v1\/downloads\/x%22%20onclick%3D%22alert\(1\)\/content"><\/video>/,
    );
    assert.match(text, /Still downloading/);
  });
  test("audio gets <audio>; a type browsers do not play and a paused download get no element", () => {
    assert.match(playPage({ ...playing, player: "audio" }, "t").text, /<audio class="player"/);
    const other = playPage({ ...playing, player: undefined }, "t").text;
    assert.doesNotMatch(other, /<video|<audio/);
    assert.match(other, /does not play this type of file/);
    const paused = playPage({ ...playing, state: "paused" }, "t").text;
    assert.doesNotMatch(paused, /<video/);
    assert.match(paused, /This download is paused/);
  });
  test("the list links media to the play page, other files to the content", () => {
    const rows = [
      { ...playing, id: "v1", player: "video" as const },
      { ...playing, id: "b1", player: undefined },
    ];
    const text = downloadsList({ rows, total: 2 }, "t").text;
    assert.match(text, /<a class="details play" href="\/web\/downloads\/play\?id=v1">play<\/a>/);
    assert.match(text, /<a class="details open" href="\/v1\/downloads\/b1\/content">open<\/a>/);
  });
});

describe("isViewPath", () => {
  const cases: Array<[string, string, boolean]> = [
    ["a longer name is another path", "/web/downloadsX", false],
    ["the parent", "/web/", false],
    ["a prefix of the prefix", "/web/download", false],
    ["the view", "/web/downloads", true],
    ["below it", "/web/downloads/list", true],
  ];
  for (const [name, path, expected] of cases)
    test(name, () => assert.equal(isViewPath({ prefix: "/web/downloads" }, path), expected));
});

describe("httpStatusOf", () => {
  const cases: Array<[Code, number]> = [
    [Code.Internal, 500],
    [Code.Unknown, 500],
    [Code.InvalidArgument, 400],
    [Code.NotFound, 404],
    [Code.AlreadyExists, 409],
    [Code.FailedPrecondition, 409],
    [Code.Unimplemented, 501],
    [Code.Unavailable, 503],
  ];
  for (const [code, status] of cases) test(`${Code[code]} → ${status}`, () => assert.equal(httpStatusOf(code), status));
});
