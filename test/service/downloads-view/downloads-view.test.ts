/**
 * The downloads view without a browser (the no-JavaScript path): plain form
 * posts with fetch against a real `peer serve --downloads` (startServicePeer):
 * sign in with a downloads key, add a remote's item, see it complete in the
 * list, upload a .torrent (multipart), pause/resume/cancel/retry/remove one,
 * remove with files; a read key's session gets 403; posts without the CSRF
 * token or from another origin are refused; hostile names are shown as text.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { updateRemotes } from "../../../client/remotes/index.js";
import type { QueueEvent } from "../../../service/download-queue.js";
import type { TestPeer } from "../../helpers/peer-server.js";
import { startServicePeer, type ServicePeer } from "../helpers/download-peer.js";
import { startStallingProxy } from "../helpers/stalling-proxy.js";

const EVIL = "<img src=x onerror=alert(1)>\u202egpj.exe";
const FILES: Record<string, Buffer> = {
  "a.bin": randomBytes(200_000),
  "t.bin": randomBytes(150_000),
  "dir/x.bin": randomBytes(30_000),
  "clip.webm": randomBytes(120_000), // not a real WebM: the play page only looks at the media type
  [EVIL]: randomBytes(1_000),
};

let source: TestPeer;
let service: ServicePeer;

interface Session {
  cookie: string;
  csrf: string;
}

async function req(
  p: string,
  init: { method?: string; cookie?: string; body?: string | FormData; origin?: string | null; type?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.cookie !== undefined) headers.cookie = init.cookie;
  if (init.origin !== null && init.method === "POST") headers.origin = init.origin ?? service.server.url;
  if (init.type !== undefined) headers["content-type"] = init.type;
  return fetch(new URL(p, service.server.url), {
    method: init.method ?? "GET",
    headers,
    body: init.body,
    redirect: "manual",
  });
}

async function signIn(key: string): Promise<Session> {
  const res = await req("/web/sign-in", {
    method: "POST",
    body: new URLSearchParams({ key }).toString(),
    type: "application/x-www-form-urlencoded",
  });
  assert.equal(res.status, 303);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  // A downloads-only session's `/` leads to the view: either page carries the sign-out form's token.
  const page = await (await fetch(new URL("/", service.server.url), { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  assert.notEqual(csrf, "");
  return { cookie, csrf };
}

function post(s: Session, p: string, fields: Record<string, string>, extra: { origin?: string } = {}) {
  return req(p, {
    method: "POST",
    cookie: s.cookie,
    body: new URLSearchParams(fields).toString(),
    type: "application/x-www-form-urlencoded",
    origin: extra.origin,
  });
}

/** Resolves when download `id` (or the first one matching) reaches `state`. */
function waitState(match: (id: string) => boolean, state: string): Promise<string> {
  return new Promise((resolve) => {
    const off = service.queue.subscribe((e: QueueEvent) => {
      if (e.kind === "state" && e.event.state === state && match(e.event.downloadId)) {
        off();
        resolve(e.event.downloadId);
      }
    });
  });
}

async function list(s: Session): Promise<string> {
  const res = await req("/web/downloads/list", { cookie: s.cookie });
  assert.equal(res.status, 200);
  return res.text();
}

/** The source's .torrent of an item (waiting while the source hashes it: 503 + Retry-After). */
async function torrentOf(itemId: string): Promise<Uint8Array> {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(`${source.url}/v1/torrents/${itemId}`, {
      headers: { authorization: `Bearer ${source.key}` },
    });
    if (res.status === 200) return new Uint8Array(await res.arrayBuffer());
    assert.equal(res.status, 503, await res.text());
    await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? "1") * 100));
  }
  throw new Error("the source never finished hashing");
}

describe("downloads view (no JavaScript)", { timeout: 300_000 }, () => {
  let s: Session;
  before(async () => {
    ({ source, service } = await startServicePeer(FILES));
    s = await signIn(service.downloadsKey);
  });
  after(() => service?.close());

  test("the main page links to the view (read + downloads key) or leads to it (downloads key)", async () => {
    const both = (await service.server.keys.create({ name: "both", scopes: ["read", "downloads"] })).key;
    const b = await signIn(both);
    assert.match(await (await req("/", { cookie: b.cookie })).text(), /<a href="\/web\/downloads">Downloads<\/a>/);
    const only = await req("/", { cookie: s.cookie });
    assert.equal(only.status, 303);
    assert.equal(only.headers.get("location"), "/web/downloads");
  });

  test("the view has the forms, the remote and a script-allowing CSP", async () => {
    const res = await req("/web/downloads", { cookie: s.cookie });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    const page = await res.text();
    assert.match(page, /<option value="src">src<\/option>/);
    assert.match(page, /enctype="multipart\/form-data"/);
    const script = await req("/web/downloads/refresh.js", { cookie: s.cookie });
    assert.equal(script.status, 200);
    assert.match(script.headers.get("content-type") ?? "", /text\/javascript/);
  });

  test("add a remote's item with a form post: 303 back, it completes, the list shows it; remove with files", async () => {
    const done = waitState(() => true, "completed");
    const res = await post(s, "/web/downloads/add", {
      csrf: s.csrf,
      remote: "src",
      item: "share/a.bin",
      destination: "web",
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/web/downloads");
    const id = await done;
    const file = path.join(service.root, "web", "a.bin");
    assert.deepEqual(await readFile(file), FILES["a.bin"]);
    const html = await list(s);
    assert.match(html, new RegExp(`<tr data-id="${id}" data-state="completed">`));
    assert.match(html, /<progress max="100" value="100"/);
    // Not media a browser plays: a plain link to the content.
    assert.match(html, new RegExp(`<a class="details open" href="/v1/downloads/${id}/content">open</a>`));
    const played = await req(`/v1/downloads/${id}/content`, { cookie: s.cookie });
    assert.equal(played.status, 200);
    assert.deepEqual(Buffer.from(await played.arrayBuffer()), FILES["a.bin"]);
    const removed = await post(s, "/web/downloads/action", { csrf: s.csrf, id, action: "remove-files" });
    assert.equal(removed.status, 303);
    await assert.rejects(access(file));
    assert.doesNotMatch(await list(s), new RegExp(id));
  });

  test("a WebM gets a play page: a <video> over the content route, a CSP with media-src 'self' and no script", async () => {
    const done = waitState(() => true, "completed");
    const added = await service.client().addDownload({
      what: { case: "item", value: { peer: "src", itemId: "share/clip.webm" } },
      destination: "play",
    });
    const id = added.downloads[0]?.id ?? "";
    assert.equal(await done, id);
    assert.match(await list(s), new RegExp(`<a class="details play" href="/web/downloads/play\\?id=${id}">play</a>`));
    const res = await req(`/web/downloads/play?id=${id}`, { cookie: s.cookie });
    assert.equal(res.status, 200);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /media-src 'self'/);
    assert.doesNotMatch(csp, /script-src/);
    const page = await res.text();
    assert.match(
      page,
      new RegExp(
        `<video class="player" id="player" controls autoplay preload="auto" src="/v1/downloads/${id}/content"></video>`,
      ),
    );
    assert.doesNotMatch(page, /<script/);
    const played = await req(`/v1/downloads/${id}/content`, { cookie: s.cookie });
    assert.equal(played.status, 200);
    assert.equal(played.headers.get("content-type"), "video/webm");
    assert.deepEqual(Buffer.from(await played.arrayBuffer()), FILES["clip.webm"]);
    const unknown = await req("/web/downloads/play?id=nope", { cookie: s.cookie });
    assert.equal(unknown.status, 404);
    await unknown.text();
    const anonymous = await req(`/web/downloads/play?id=${id}`);
    assert.equal(anonymous.status, 303, "no session: back to the sign-in page");
  });

  test("add a remote's folder (the folder box): its file arrives, the list shows it", async () => {
    const done = waitState(() => true, "completed");
    const res = await post(s, "/web/downloads/add", {
      csrf: s.csrf,
      remote: "src",
      item: "share/dir",
      folder: "1",
      destination: "folders",
    });
    assert.equal(res.status, 303, await res.text());
    const id = await done;
    const d = await service.queue.get(id);
    assert.equal(d?.fileName, "x.bin");
    assert.ok(d?.destination.startsWith(path.join(service.root, "folders")));
    assert.deepEqual(await readFile(d?.destination ?? ""), FILES["dir/x.bin"]);
    assert.match(await list(s), new RegExp(`data-id="${id}" data-state="completed"`));
    await post(s, "/web/downloads/action", { csrf: s.csrf, id, action: "remove-files" });
  });

  test("a hostile name is shown as text, bidi control neutralised", async () => {
    const done = waitState(() => true, "completed");
    const itemId = `share/${encodeURIComponent(EVIL)}`;
    assert.equal(
      (await post(s, "/web/downloads/add", { csrf: s.csrf, remote: "src", item: `share/${EVIL}` })).status,
      303,
      itemId,
    );
    const id = await done;
    const html = await list(s);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;\\u202egpj\.exe/);
    assert.doesNotMatch(html, /<img/);
    assert.doesNotMatch(html, /\u202e/);
    await post(s, "/web/downloads/action", { csrf: s.csrf, id, action: "remove-files" });
  });

  test("upload a .torrent (multipart): it is fetched from its web seed and completes", async () => {
    const torrent = await torrentOf("share/t.bin");
    const form = new FormData();
    form.set("csrf", s.csrf);
    form.set("destination", "tor");
    form.set("torrent", new Blob([torrent], { type: "application/x-bittorrent" }), "t.torrent");
    const done = waitState(() => true, "completed");
    const res = await req("/web/downloads/torrent", { method: "POST", cookie: s.cookie, body: form });
    assert.equal(res.status, 303, await res.text());
    await done;
    assert.deepEqual(await readFile(path.join(service.root, "tor", "t.bin")), FILES["t.bin"]);
  });

  test("a .torrent over the bound is refused with 413, a body of another type with 415, nothing added", async () => {
    const before = (await service.queue.list()).length;
    const form = new FormData();
    form.set("csrf", s.csrf);
    form.set("torrent", new Blob([new Uint8Array(9 * 1024 * 1024)]), "big.torrent");
    const big = await req("/web/downloads/torrent", { method: "POST", cookie: s.cookie, body: form });
    assert.equal(big.status, 413);
    assert.match(await big.text(), /larger than/);
    const json = await req("/web/downloads/add", {
      method: "POST",
      cookie: s.cookie,
      body: "{}",
      type: "application/json",
    });
    assert.equal(json.status, 415);
    assert.equal((await service.queue.list()).length, before);
  });

  test("pause, resume, cancel, retry and remove a download whose bytes never come", async () => {
    const stall = await startStallingProxy(source.url);
    try {
      await updateRemotes(service.dataDir, (remotes) => ({
        remotes: [...remotes, { name: "stall", url: stall.url, key: source.key, addedAt: new Date().toISOString() }],
        result: undefined,
      }));
      const running = waitState(() => true, "downloading");
      const fields = { csrf: s.csrf, remote: "stall", item: "share/a.bin", destination: "stall" };
      const added = await post(s, "/web/downloads/add", fields);
      assert.equal(added.status, 303, await added.text());
      const id = await running;
      const act = async (action: string, states: readonly string[]) => {
        const res = await post(s, "/web/downloads/action", { csrf: s.csrf, id, action });
        assert.equal(res.status, 303, `${action}: ${await res.text()}`);
        const state = (await service.queue.get(id))?.status ?? "gone";
        assert.ok(states.includes(state), `${action}: ${state}`);
        assert.match(await list(s), new RegExp(`data-id="${id}" data-state="(${states.join("|")})"`));
      };
      await act("pause", ["paused"]);
      assert.match(await list(s), /value="resume">Resume</);
      await act("resume", ["queued", "downloading"]);
      await act("cancel", ["cancelled"]);
      await act("retry", ["queued", "downloading"]);
      const res = await post(s, "/web/downloads/action", { csrf: s.csrf, id, action: "remove" });
      assert.equal(res.status, 303);
      assert.equal(await service.queue.get(id), undefined);
      assert.doesNotMatch(await list(s), new RegExp(id));
    } finally {
      await stall.close();
    }
  });

  test("a refused action shows the page with the reason, and nothing changes", async () => {
    const res = await post(s, "/web/downloads/action", { csrf: s.csrf, id: "no-such-id", action: "pause" });
    assert.equal(res.status, 404);
    assert.match(await res.text(), /class="error" role="alert">no download (job )?no-such-id/);
    const bad = await post(s, "/web/downloads/add", { csrf: s.csrf, remote: "nowhere", item: "share/a.bin" });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /cannot reach &quot;nowhere&quot;/);
  });

  test("posts without the CSRF token, with another session's token or from another origin are refused", async () => {
    const before = (await service.queue.list()).length;
    const fields = { remote: "src", item: "share/a.bin" };
    assert.equal((await post(s, "/web/downloads/add", fields)).status, 403);
    assert.equal((await post(s, "/web/downloads/add", { ...fields, csrf: "x".repeat(43) })).status, 403);
    const other = await signIn(service.downloadsKey);
    assert.equal((await post(s, "/web/downloads/add", { ...fields, csrf: other.csrf })).status, 403);
    assert.equal(
      (await post(s, "/web/downloads/add", { ...fields, csrf: s.csrf }, { origin: "http://evil.example" })).status,
      403,
    );
    const anonymous = await req("/web/downloads/add", {
      method: "POST",
      body: new URLSearchParams({ ...fields, csrf: s.csrf }).toString(),
      type: "application/x-www-form-urlencoded",
    });
    assert.equal(anonymous.status, 403);
    assert.equal((await service.queue.list()).length, before);
    const signedOut = await req("/web/downloads", {});
    assert.equal(signedOut.status, 303);
  });

  test("a read key's session: 403 page for the view and its posts, no link on the main page", async () => {
    const r = await signIn(service.readKey);
    assert.doesNotMatch(await (await req("/", { cookie: r.cookie })).text(), /web\/downloads/);
    for (const p of ["/web/downloads", "/web/downloads/list", "/web/downloads/refresh.js"]) {
      const res = await req(p, { cookie: r.cookie });
      assert.equal(res.status, 403, p);
      assert.match(await res.text(), /lacks the &quot;downloads&quot; scope/);
    }
    const res = await post(r, "/web/downloads/add", { csrf: r.csrf, remote: "src", item: "share/a.bin" });
    assert.equal(res.status, 403);
  });
});
