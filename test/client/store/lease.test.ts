import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { isLeaseOwnerDead, isPidAlive, makeLeaseOwner, parseLeaseOwner } from "../../../client/store/lease.js";

test("lease owners: format and parse", () => {
  const o = makeLeaseOwner("host-1", 4242);
  assert.match(o, /^host-1\/4242\/[0-9a-f]{8}$/);
  assert.deepEqual(parseLeaseOwner(o), { host: "host-1", pid: 4242 });
  assert.deepEqual(parseLeaseOwner("a/b/c/77/0123abcd"), { host: "a/b/c", pid: 77 });
  const named = makeLeaseOwner("host-1", 4242, "w1");
  assert.match(named, /^w1@host-1\/4242\/[0-9a-f]{8}$/, "a worker's name goes first");
  assert.deepEqual(parseLeaseOwner(named), { host: "host-1", pid: 4242 }, "and does not change the host");
  assert.match(makeLeaseOwner("h", 1, "a/b@c"), /^a_b_c@h\/1\//, "no separators in the name");
  for (const bad of ["", "host", "host/12", "host/x/0123abcd", "host/12/xyz"])
    assert.equal(parseLeaseOwner(bad), undefined, bad);
});

test("isLeaseOwnerDead: only a missing pid on this host counts", () => {
  const alive = () => true;
  const dead = () => false;
  const cases: Array<[string, string, boolean]> = [
    ["same host, dead pid", "h/100/0123abcd", true],
    ["other host", "g/100/0123abcd", false],
    ["this very process", "h/1/0123abcd", false],
    ["unparseable", "who-knows", false],
  ];
  for (const [name, owner, want] of cases) assert.equal(isLeaseOwnerDead(owner, "h", 1, dead), want, name);
  assert.equal(isLeaseOwnerDead("h/100/0123abcd", "h", 1, alive), false, "alive");
});

test("isPidAlive on real processes", () => {
  assert.equal(isPidAlive(process.pid), true);
  const exited = spawnSync(process.execPath, ["-e", ""]).pid;
  assert.ok(exited !== undefined);
  assert.equal(isPidAlive(exited), false);
});
