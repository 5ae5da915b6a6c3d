/**
 * The qBittorrent call table: names it answers without the queue, and names that must not reach a member
 * of Object (the table is a Map). Calls that use the queue are replayed end to end in
 * test/service/qbittorrent-sonarr.test.ts and qbittorrent-client.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Principal } from "../../../server/auth/principal.js";
import { APP_VERSION, handleQbt, WEB_API_VERSION, type QbtDeps } from "../../../service/qbittorrent/qbt-handlers.js";

// These calls read nothing from the queue, the store or the logger: a missing member would throw.
const deps = { now: () => 0 } as unknown as QbtDeps;
const who = {} as Principal;

const cases: Array<{ name: string; call: string; status: number; body?: unknown }> = [
  { name: "Object's constructor", call: "constructor", status: 404 },
  { name: "Object's prototype", call: "__proto__", status: 404 },
  { name: "Object's toString", call: "toString", status: 404 },
  { name: "hasOwnProperty", call: "hasOwnProperty", status: 404 },
  { name: "an unknown call", call: "torrents/reannounce", status: 404 },
  { name: "an empty name", call: "", status: 404 },
  { name: "the Web API version", call: "app/webapiVersion", status: 200, body: WEB_API_VERSION },
  { name: "the app version", call: "app/version", status: 200, body: APP_VERSION },
  { name: "a priority call (accepted, nothing to do)", call: "torrents/topPrio", status: 200, body: "" },
];

for (const c of cases) {
  test(`handleQbt: ${c.name}`, async () => {
    const params = { get: () => undefined, files: () => [] };
    const answer = await handleQbt(deps, c.call, params, who);
    assert.equal(answer.status, c.status);
    if (c.body !== undefined) assert.deepEqual(answer.body, c.body);
  });
}
