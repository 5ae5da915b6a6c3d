import { test } from "node:test";
import assert from "node:assert/strict";
import { ViewQueue } from "../../../../client/transfer/raw-http/view-queue.js";

const bytes = (n: number) => new Uint8Array([n]);

test("view queue: views first, then the failure, then the end; undefined while nothing is ready", async () => {
  const cases: Array<{ name: string; views: number; failure: boolean; bodyDone: boolean; want: string }> = [
    { name: "a view waits", views: 1, failure: false, bodyDone: false, want: "view" },
    { name: "a view before the failure", views: 1, failure: true, bodyDone: false, want: "view" },
    { name: "a view before the end", views: 1, failure: false, bodyDone: true, want: "view" },
    { name: "the failure", views: 0, failure: true, bodyDone: false, want: "failure" },
    { name: "the failure before the end", views: 0, failure: true, bodyDone: true, want: "failure" },
    { name: "the end", views: 0, failure: false, bodyDone: true, want: "end" },
    { name: "nothing yet", views: 0, failure: false, bodyDone: false, want: "none" },
  ];
  for (const c of cases) {
    const q = new ViewQueue();
    for (let i = 0; i < c.views; i++) q.push(bytes(i));
    let ended = 0;
    const failure = c.failure ? new Error("cut") : undefined;
    const answer = q.answer(failure, c.bodyDone, () => ended++);
    if (c.want === "none") {
      assert.equal(answer, undefined, c.name);
      continue;
    }
    assert.ok(answer !== undefined, c.name);
    if (c.want === "failure") {
      await assert.rejects(answer, /cut/, c.name);
      continue;
    }
    const r = await answer;
    assert.equal(r.done, c.want === "end", c.name);
    assert.equal(ended, c.want === "end" ? 1 : 0, `${c.name}: onEnd runs only at the end`);
  }
});

test("view queue: a waiting next() is settled by deliver, once, in order", async () => {
  const q = new ViewQueue();
  const first = q.wait();
  q.deliver(undefined, false, () => assert.fail("not the end"));
  q.push(bytes(7));
  q.push(bytes(8));
  q.deliver(undefined, false, () => assert.fail("not the end"));
  assert.deepEqual((await first).value, bytes(7));
  assert.equal(q.length, 1);
  q.deliver(undefined, false, () => assert.fail("no waiter: nothing is taken"));
  assert.equal(q.length, 1, "with no reader waiting, deliver takes nothing");

  const second = q.answer(undefined, true, () => assert.fail("a view is left"));
  assert.deepEqual((await second)?.value, bytes(8));

  let ended = 0;
  const last = q.wait();
  q.deliver(undefined, true, () => ended++);
  assert.equal((await last).done, true);
  q.deliver(undefined, true, () => ended++);
  assert.equal(ended, 1, "the end is delivered once");

  const failed = q.wait();
  q.deliver(new Error("reset"), false, () => assert.fail("a failure is not the end"));
  await assert.rejects(failed, /reset/);

  q.push(bytes(1));
  q.clear();
  assert.equal(q.length, 0);
});
