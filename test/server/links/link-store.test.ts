/** The link store over a real SQLite file: tokens hashed at rest, resolution, expiry, revocation, budgets. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import { openLinkStore } from "../../../server/links/link-store.js";
import { hashToken } from "../../../server/auth/secret-token.js";
import { openServerDatabase, type ServerDatabase } from "../../../server/store/database.js";

let dir: string;
let db: Kysely<ServerDatabase>;
let clock = 1_000_000;
const store = () => openLinkStore(db, { now: () => clock });
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "peer-links-"));
  db = await openServerDatabase(dir);
});
after(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe("link store", () => {
  test("the token is 43 base64url characters, stored only as its SHA-256", async () => {
    const created = await store().create({ target: "share/a.txt", note: "for bob" });
    assert.match(created.token, /^[A-Za-z0-9_-]{43}$/);
    const rows = await db.selectFrom("share_link").selectAll().where("id", "=", created.id).execute();
    assert.equal(rows[0]?.token_hash, hashToken(created.token));
    assert.ok(!JSON.stringify(rows).includes(created.token));
    const file = await readFile(path.join(dir, "server.db"));
    assert.equal(file.includes(Buffer.from(created.token)), false);
  });

  test("resolve: the exact token only", async () => {
    const s = store();
    const { token, id } = await s.create({ target: "share/a.txt" });
    const { token: other } = await s.create({ target: "share/b.txt" });
    assert.equal((await s.resolve(token))?.id, id);
    assert.notEqual((await s.resolve(other))?.id, id);
    for (const wrong of [
      undefined,
      "",
      token.slice(0, -1),
      `${token}A`,
      token.toLowerCase(),
      `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`,
      "x".repeat(1000),
    ]) {
      assert.equal(await s.resolve(wrong), undefined, `token ${JSON.stringify(wrong?.slice(0, 50))}`);
    }
  });

  test("expiry: live one ms before the instant, dead at it", async () => {
    clock = 2_000_000;
    const s = store();
    const { token } = await s.create({ target: "share/a.txt", expiresAt: new Date(clock + 60_000) });
    clock += 59_999;
    assert.notEqual(await s.resolve(token), undefined);
    clock += 1;
    assert.equal(await s.resolve(token), undefined);
  });

  test("revoke: at once, and idempotent; unknown ids say so", async () => {
    const s = store();
    const { token, id } = await s.create({ target: "share/dir/" });
    assert.equal(await s.revoke(id), true);
    assert.equal(await s.resolve(token), undefined);
    assert.equal(await s.revoke(id), true);
    assert.equal(await s.revoke("0".repeat(16)), false);
    assert.equal(await s.revoke("not-an-id"), false);
    assert.equal((await s.list()).find((l) => l.id === id)?.status, "revoked");
  });

  test("charge: admitted while budget remains, refused after; refunds give back", async () => {
    const s = store();
    const { token } = await s.create({ target: "share/a.txt", maxDownloads: 2 });
    const link = (await s.resolve(token))!;
    assert.equal(await s.charge(link, 150, 100), true); // 150 of 200
    assert.equal(await s.charge(link, 100, 100), true); // 250: the last request may finish a copy
    assert.equal(await s.charge(link, 1, 100), false);
    await s.refund(link, 60); // 190 of 200
    assert.equal(await s.charge(link, 10, 100), true);
    assert.equal(await s.charge(link, 10, 100), false);
  });

  test("charge: two at once cannot both take the last of a budget", async () => {
    const s = store();
    const { token } = await s.create({ target: "share/a.txt", maxDownloads: 1 });
    const link = (await s.resolve(token))!;
    const results = await Promise.all([s.charge(link, 100, 100), s.charge(link, 100, 100), s.charge(link, 100, 100)]);
    assert.deepEqual(results.filter(Boolean).length, 1);
  });

  test("charge is refused once revoked (a download in flight does not keep the link alive)", async () => {
    const s = store();
    const { token, id } = await s.create({ target: "share/a.txt" });
    const link = (await s.resolve(token))!;
    await s.revoke(id);
    assert.equal(await s.charge(link, 1, 10), false);
  });

  const refused: Array<[string, Parameters<ReturnType<typeof store>["create"]>[0], RegExp]> = [
    ["a past expiry", { target: "share/a.txt", expiresAt: new Date(0) }, /future/],
    ["an invalid date", { target: "share/a.txt", expiresAt: new Date(Number.NaN) }, /valid date/],
    ["zero downloads", { target: "share/a.txt", maxDownloads: 0 }, /positive/],
    ["max downloads on a folder", { target: "share/d/", maxDownloads: 1 }, /file link/],
    ["an escaping target", { target: "share/../etc/passwd" }, /not an item id/],
    ["a control character in the note", { target: "share/a.txt", note: "a\u001b[2Jb" }, /printable/],
    ["a long note", { target: "share/a.txt", note: "x".repeat(201) }, /at most 200/],
  ];
  for (const [name, input, message] of refused) {
    test(`create refuses ${name}`, async () =>
      assert.rejects(store().create(input), (e: Error) => e instanceof RangeError && message.test(e.message)));
  }
});
