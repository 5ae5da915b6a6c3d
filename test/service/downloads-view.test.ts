/**
 * The web page's Downloads view without JavaScript (plain form posts, as a
 * browser without script sends them): signed in with a downloads key, add an
 * item of a remote, see it complete, remove it; posts without the CSRF token or
 * from another origin refused; a read-only session refused; names escaped.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { TestPeer } from "../helpers/peer-server.js";
import { startServicePeer, type ServicePeer } from "./helpers/download-peer.js";
import { waitForStatus } from "./helpers/qbt.js";

const NAME = '<b onclick="x">bold&.bin';

describe("Downloads view", { timeout: 300_000 }, () => {
  let source: TestPeer;
  let service: ServicePeer;
  let url: string;
  before(async () => {
    ({ source, service } = await startServicePeer({ [NAME]: randomBytes(20_000) }));
    url = service.server.url;
  });
  after(() => service?.close());

  async function signIn(key: string): Promise<string> {
    const res = await fetch(`${url}/web/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: url },
      body: new URLSearchParams({ key }).toString(),
    });
    assert.equal(res.status, 303);
    return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  }
  const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  const post = (cookie: string, form: Record<string, string>, origin = url) =>
    fetch(`${url}/web/downloads`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });

  test("add, watch complete, remove — with forms only", async () => {
    const cookie = await signIn(service.downloadsKey);
    const first = await fetch(`${url}/web/downloads`, { headers: { cookie } });
    assert.equal(first.status, 200);
    const page = await first.text();
    assert.match(page, /<option value="src">src<\/option>/);
    assert.doesNotMatch(page, /<script/i);
    const csrf = csrfOf(page);
    assert.notEqual(csrf, "");
    assert.equal(
      (await post(cookie, { action: "add", remote: "src", item: `share/${NAME}`, destination: "web" })).status,
      403,
      "no token",
    );
    assert.equal(
      (await post(cookie, { csrf, action: "add", remote: "src", item: `share/${NAME}` }, "http://evil.example")).status,
      403,
      "another origin",
    );
    const added = await post(cookie, { csrf, action: "add", remote: "src", item: `share/${NAME}`, destination: "web" });
    assert.equal(added.status, 303);
    assert.equal(added.headers.get("location"), "/web/downloads");
    const id = (await service.queue.list())[0]?.id ?? "";
    await waitForStatus(service.queue, id, "completed");
    const done = await (await fetch(`${url}/web/downloads`, { headers: { cookie } })).text();
    assert.match(done, /&lt;b onclick=&quot;x&quot;&gt;bold&amp;\.bin/);
    assert.doesNotMatch(done, /<b onclick/);
    assert.match(done, /completed/);
    const bad = await post(cookie, { csrf, action: "add", remote: "src", item: "share/x", destination: "../out" });
    assert.match(decodeURIComponent(bad.headers.get("location") ?? ""), /must not contain "\.\."/);
    assert.equal((await post(cookie, { csrf, action: "remove", id })).status, 303);
    assert.equal((await service.queue.list()).length, 0);
    assert.equal(source.url.length > 0, true);
  });

  test("a read-only session gets 403; no session is sent to sign in", async () => {
    const cookie = await signIn(service.readKey);
    assert.equal((await fetch(`${url}/web/downloads`, { headers: { cookie } })).status, 403);
    const anonymous = await fetch(`${url}/web/downloads`, { redirect: "manual" });
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.get("location"), "/");
  });
});
