import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runPeer } from "./run-peer.js";

const KEY_PATTERN = /^peer_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;
const DAY = 86_400_000;

describe("peer keys", { timeout: 600_000 }, () => {
  let cwd: string;
  before(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), "peer-cli-keys-"));
  });
  after(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  test("list on a fresh directory prints nothing, exits 0 and creates no database", async () => {
    const r = await runPeer(["keys", "list", "--json"], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(existsSync(path.join(cwd, ".peer")), false);
  });

  test("create --json prints exactly {id, name, key, expiresAt, scopes} on one line; data in ./.peer by default", async () => {
    const before = Date.now();
    const r = await runPeer(["keys", "create", "--name", "laptop", "--expires", "30d", "--json"], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split("\n").length, 2, "one line and a newline");
    const created = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(created), ["id", "name", "key", "expiresAt", "scopes"]);
    assert.deepEqual(created.scopes, ["read"], "read-only unless asked");
    assert.match(String(created.key), KEY_PATTERN);
    assert.equal(String(created.key).slice(5, 21), created.id);
    assert.equal(created.name, "laptop");
    const expires = Date.parse(String(created.expiresAt));
    assert.ok(expires >= before + 30 * DAY && expires <= Date.now() + 30 * DAY, String(created.expiresAt));
    assert.equal(new Date(expires).toISOString(), created.expiresAt, "ISO 8601 string");
    assert.ok(existsSync(path.join(cwd, ".peer", "server.db")));
  });

  test("create without --expires has expiresAt null", async () => {
    const r = await runPeer(["keys", "create", "--name", "forever", "--json"], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { expiresAt: unknown }).expiresAt, null);
  });

  test("create without --json prints only the key on stdout, the explanation on stderr", async () => {
    const r = await runPeer(["keys", "create", "--name", "Zoë's desktop"], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), KEY_PATTERN);
    assert.match(r.stderr, /Created key "Zoë's desktop" \(id [0-9a-f]{16}, scopes read\), never expires/);
    assert.match(r.stderr, /only time the key is shown/);
    assert.ok(!r.stderr.includes(r.stdout.trim()), "the key is printed once");
  });

  test("list shows every key without secrets; revoke marks one revoked; revoking again is fine", async () => {
    const made = await runPeer(["keys", "create", "--name", "to-revoke", "--json"], { cwd });
    const { id, key } = JSON.parse(made.stdout) as { id: string; key: string };

    const listed = await runPeer(["keys", "list", "--json"], { cwd });
    assert.equal(listed.code, 0, listed.stderr);
    const rows = listed.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      rows.map((k) => k.name),
      ["laptop", "forever", "Zoë's desktop", "to-revoke"],
    );
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), [
        "id",
        "name",
        "status",
        "createdAt",
        "expiresAt",
        "revokedAt",
        "lastUsedAt",
        "scopes",
      ]);
      assert.equal(row.status, "active");
    }
    assert.ok(!listed.stdout.includes(key.slice(22)), "no secret in the listing");

    const revoked = await runPeer(["keys", "revoke", id], { cwd });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stderr, new RegExp(`Revoked key ${id} \\("to-revoke"\\)`));
    const again = await runPeer(["keys", "revoke", id], { cwd });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already revoked/);

    const table = await runPeer(["keys", "list"], { cwd });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID\s+STATUS\s+SCOPES\s+CREATED\s+EXPIRES\s+LAST USED\s+NAME$/m);
    assert.match(table.stdout, new RegExp(`^${id}\\s+revoked\\s+read\\s.*to-revoke$`, "m"));
    assert.match(table.stdout, /^[0-9a-f]{16}\s+active\s+read\s.*never\s.*forever$/m);
  });

  test("--scope is repeatable; list shows each key's scopes; an unknown scope is a usage error", async () => {
    const both = await runPeer(
      [
        "keys",
        "create",
        "--name",
        "sonarr",
        "--scope",
        "downloads",
        "--scope",
        "read",
        "--json",
        "--data-dir",
        "scoped",
      ],
      { cwd },
    );
    assert.equal(both.code, 0, both.stderr);
    assert.deepEqual((JSON.parse(both.stdout) as { scopes: unknown }).scopes, ["read", "downloads"]);
    const only = await runPeer(["keys", "create", "--name", "arr", "--scope", "downloads", "--data-dir", "scoped"], {
      cwd,
    });
    assert.equal(only.code, 0, only.stderr);
    assert.match(only.stderr, /scopes downloads\)/);
    const table = await runPeer(["keys", "list", "--data-dir", "scoped"], { cwd });
    assert.match(table.stdout, /^[0-9a-f]{16}\s+active\s+read,downloads\s.*sonarr$/m);
    assert.match(table.stdout, /^[0-9a-f]{16}\s+active\s+downloads\s.*arr$/m);
    const bad = await runPeer(["keys", "create", "--name", "x", "--scope", "admin", "--data-dir", "scoped"], { cwd });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown scope "admin"; use read or downloads/);
  });

  test("--data-dir and PEER_DATA_DIR choose the database", async () => {
    const viaFlag = await runPeer(["keys", "create", "--name", "flag", "--data-dir", "elsewhere", "--json"], { cwd });
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    const viaEnv = await runPeer(["keys", "list", "--json"], {
      cwd,
      env: { PEER_DATA_DIR: path.join(cwd, "elsewhere") },
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const names = viaEnv.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { name: string }).name);
    assert.deepEqual(names, ["flag"]);
    const flagWins = await runPeer(["keys", "list", "--json", "--data-dir", ".peer"], {
      cwd,
      env: { PEER_DATA_DIR: path.join(cwd, "elsewhere") },
    });
    assert.equal(flagWins.stdout.trim().split("\n").length, 4, "--data-dir overrides PEER_DATA_DIR");
  });
});
