/** The web page's pure parts as tables: escaping, formatting, sorting, cookies, origin checks, templates. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { FileEntry } from "../../../server/catalog/catalog.js";
import { clearedSessionCookie, readCookie, sessionCookie } from "../../../server/web/cookies.js";
import { formatSize, formatWhen, kindOf } from "../../../server/web/format.js";
import { escapeHtml, html, pathOf } from "../../../common/html.js";
import { PAGE_CSP } from "../../../server/web/layout.js";
import { isSameOrigin } from "../../../server/web/origin-check.js";
import { browsePage } from "../../../server/web/pages/browse.js";
import { itemPage } from "../../../server/web/pages/item.js";
import { linkListingPage } from "../../../server/web/pages/link-listing.js";
import { signInPage } from "../../../server/web/pages/sign-in.js";
import { DEFAULT_SORT, parseSort, sortRows, type Row } from "../../../server/web/sort-rows.js";

const EVIL = `<img src=x onerror=alert(1)>"'&\`.txt`;

describe("escapeHtml and html", () => {
  const cases: Array<[string, string, string]> = [
    ["markup", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"],
    ["attribute breakers", `" onmouseover='x'`, "&quot; onmouseover=&#39;x&#39;"],
    ["ampersand first", "&lt;", "&amp;lt;"],
    ["backtick", "`", "&#96;"],
    ["control characters", "a\u0000b\u001bc", "a\ufffdb\ufffdc"],
    ["lone surrogate", "a\ud800b", "a\ufffdb"],
    ["plain text", "été 1.mkv", "été 1.mkv"],
    ["right-to-left override", "photo\u202egpj.exe", "photo\\u202egpj.exe"],
    ["every embedding and override", "\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d"],
    ["isolates", "\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"],
    ["marks", "a\u200eb\u200fc\u061cd", "a\\u200eb\\u200fc\\u061cd"],
    ["right-to-left letters stay", "שלום.txt", "שלום.txt"],
  ];
  for (const [name, input, expected] of cases) test(name, () => assert.equal(escapeHtml(input), expected));
  test("values are escaped, nested templates are not, arrays join, nullish renders nothing", () => {
    const inner = html`<b>${"<i>"}</b>`;
    assert.equal(
      html`<p title="${EVIL}">${inner}${["<", ">"]}${undefined}${null}${false}${0}</p>`.text,
      `<p title="&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;&#96;.txt"><b>&lt;i&gt;</b>&lt;&gt;0</p>`,
    );
  });
  test("pathOf encodes each segment", () => assert.equal(pathOf(["a b", "c?#%/d"]), "a%20b/c%3F%23%25%2Fd"));
});

describe("format", () => {
  const sizes: Array<[number, string]> = [
    [-1, "?"],
    [Number.NaN, "?"],
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [10 * 1024 * 1024 + 1, "10.0 MiB"],
    [5 * 1024 ** 4, "5.0 TiB"],
  ];
  for (const [n, s] of sizes) test(`formatSize(${n})`, () => assert.equal(formatSize(n), s));
  test("formatWhen", () => assert.equal(formatWhen(Date.UTC(2026, 10, 29, 14, 5, 59)), "2026-11-29 14:05 UTC"));
  const kinds: Array<[string, string]> = [
    ["", "file"],
    ["application/octet-stream", "file"],
    ["text/plain; charset=utf-8", "text"],
    ["application/pdf", "pdf"],
    ["video/mp4", "video"],
    ["application/vnd.ms-excel", "ms-excel"],
    ["application/x-tar", "tar"],
  ];
  for (const [t, k] of kinds) test(`kindOf(${JSON.stringify(t)})`, () => assert.equal(kindOf(t), k));
});

describe("sorting", () => {
  const rows: Row[] = [
    { kind: "file", name: "b10.txt", href: "", size: 5, modified: 3, contentType: "text/plain" },
    { kind: "folder", name: "z", href: "" },
    { kind: "file", name: "b9.txt", href: "", size: 50, modified: 1, contentType: "image/png" },
    { kind: "folder", name: "a", href: "" },
  ];
  const names = (sort: Parameters<typeof sortRows>[1]) => sortRows(rows, sort).map((r) => r.name);
  test("unknown parameters fall back to name ascending", () =>
    assert.deepEqual(parseSort(new URLSearchParams("sort=<x>&order=up")), DEFAULT_SORT));
  test("name: folders first, natural order", () =>
    assert.deepEqual(names({ key: "name", descending: false }), ["a", "z", "b9.txt", "b10.txt"]));
  test("name descending keeps folders first", () =>
    assert.deepEqual(names({ key: "name", descending: true }), ["z", "a", "b10.txt", "b9.txt"]));
  test("size", () => assert.deepEqual(names({ key: "size", descending: true }), ["a", "z", "b9.txt", "b10.txt"]));
  test("modified", () =>
    assert.deepEqual(names({ key: "modified", descending: false }), ["a", "z", "b9.txt", "b10.txt"]));
  test("type", () => assert.deepEqual(names({ key: "type", descending: false }), ["a", "z", "b9.txt", "b10.txt"]));
});

describe("cookies", () => {
  test("session cookie: HttpOnly, SameSite=Strict, Path=/, Max-Age; no Secure without TLS", () =>
    assert.equal(sessionCookie("T", 3600.7, false), "peer_session=T; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict"));
  test("under TLS: __Host- prefix and Secure", () =>
    assert.equal(
      sessionCookie("T", 60, true),
      "__Host-peer_session=T; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure",
    ));
  test("cleared cookie expires at once", () =>
    assert.match(clearedSessionCookie(false), /^peer_session=; Path=\/; Max-Age=0;/));
  const reads: Array<[string | undefined, string | undefined]> = [
    [undefined, undefined],
    ["", undefined],
    ["other=1", undefined],
    ["xpeer_session=1", undefined],
    ["a=1; peer_session=abc; b=2", "abc"],
    ["peer_session=first; peer_session=second", "first"],
    ['peer_session="q"', "q"],
  ];
  for (const [header, value] of reads)
    test(`readCookie(${JSON.stringify(header)})`, () => assert.equal(readCookie(header, "peer_session"), value));
});

describe("isSameOrigin", () => {
  const base = { host: "127.0.0.1:8080", tls: false, secFetchSite: undefined };
  const cases: Array<[string, Parameters<typeof isSameOrigin>[0], boolean]> = [
    ["another site", { ...base, origin: "http://evil.example" }, false],
    ["same host, other port", { ...base, origin: "http://127.0.0.1:9090" }, false],
    ["same host, https while we are http", { ...base, origin: "https://127.0.0.1:8080" }, false],
    ["opaque origin", { ...base, origin: "null" }, false],
    ["no Origin, cross-site fetch", { ...base, origin: undefined, secFetchSite: "cross-site" }, false],
    ["no Origin, no fetch metadata", { ...base, origin: undefined }, false],
    ["same origin", { ...base, origin: "http://127.0.0.1:8080" }, true],
    ["no Origin, same-origin fetch metadata", { ...base, origin: undefined, secFetchSite: "same-origin" }, true],
    [
      "the public URL's origin",
      { ...base, origin: "https://files.example", publicUrl: "https://files.example/peer" },
      true,
    ],
  ];
  for (const [name, facts, expected] of cases) test(name, () => assert.equal(isSameOrigin(facts), expected));
});

const entry: FileEntry = {
  id: `share/dir/${EVIL}`,
  share: "share",
  name: EVIL,
  path: "/secret/path",
  size: 2048,
  modified: new Date(Date.UTC(2026, 0, 2, 3, 4)),
  mtimeNs: 0n,
  dev: 0n,
  ino: 0n,
  etag: '"e"',
  contentType: "text/plain",
  sha256: "ab".repeat(32),
};

describe("pages never let a name become markup", () => {
  const pages: Array<[string, () => string]> = [
    [
      "browse",
      () =>
        browsePage({
          folderId: "share/dir",
          listing: {
            children: [
              { kind: "file", entry },
              { kind: "folder", name: EVIL, id: `share/${EVIL}` },
            ],
            truncated: false,
          },
          sort: DEFAULT_SORT,
          query: EVIL,
          results: undefined,
          csrf: "C",
        }).text,
    ],
    [
      "search results",
      () =>
        browsePage({
          folderId: "share",
          listing: { children: [], truncated: false },
          sort: DEFAULT_SORT,
          query: EVIL,
          results: [entry],
          csrf: "C",
        }).text,
    ],
    [
      "item",
      () => itemPage({ entry, csrf: "C", piecesRoot: "cd".repeat(32), pieceLength: 16384, torrents: true }).text,
    ],
    [
      "link listing",
      () =>
        linkListingPage({
          rootName: EVIL,
          segments: [EVIL],
          listing: { children: [{ kind: "file", entry }], truncated: false },
          sort: DEFAULT_SORT,
        }).text,
    ],
    ["sign-in with an error", () => signInPage(EVIL).text],
  ];
  for (const [name, render] of pages) {
    test(name, () => {
      const page = render();
      assert.equal(page.includes("<img"), false, "raw markup from a name");
      assert.match(page, /&lt;img src=x onerror=alert\(1\)&gt;/);
      assert.equal(page.includes("/secret/path"), false, "never an OS path");
      assert.equal(/<script/i.test(page), false, "no script at all");
      assert.equal(/ on[a-z]+=/i.test(page.replace(/&lt;[^&]*&gt;/g, "")), false, "no event handler attribute");
    });
  }
  test("the browse page's links are percent-encoded paths", () => {
    const page = browsePage({
      folderId: "share/dir",
      listing: { children: [{ kind: "file", entry }], truncated: false },
      sort: DEFAULT_SORT,
      csrf: "C",
    }).text;
    assert.match(
      page,
      /href="\/web\/files\/share\/dir\/%3Cimg%20src%3Dx%20onerror%3Dalert\(1\)%3E%22&#39;%26%60\.txt"/,
    );
  });
  test("the item page shows SHA-256 and pieces root, and the forms carry the CSRF token", () => {
    const page = itemPage({
      entry,
      csrf: "C-TOKEN",
      piecesRoot: "cd".repeat(32),
      pieceLength: 16384,
      torrents: true,
    }).text;
    assert.ok(page.includes("ab".repeat(32)) && page.includes("cd".repeat(32)));
    assert.equal(page.match(/name="csrf" value="C-TOKEN"/g)?.length, 2, "share-link form and sign-out form");
  });
  test("CSP forbids scripts and framing", () => {
    assert.match(PAGE_CSP, /default-src 'none'/);
    assert.doesNotMatch(PAGE_CSP, /script-src|unsafe/);
    assert.match(PAGE_CSP, /frame-ancestors 'none'/);
  });
});
