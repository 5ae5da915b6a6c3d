/**
 * A job in its final step (fsyncs, rename, `completed`) gives its slot back to the next job,
 * at most the limiter's `finishing` at once (client/job/claim.ts `enterFinalStep`); a job past
 * that bound keeps its slot to the end, and a later attempt takes a slot again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { JobClaim } from "../../../client/job/claim.js";
import type { ClientEntry, JobContext } from "../../../client/job/context.js";
import { createLimiter, type Limiter } from "../../../client/scheduler/limiter.js";

const PEER = "http://127.0.0.1:1";

/** A claim whose slot logic runs on a real limiter (nothing else of the context is touched). */
function claimOn(limiter: Limiter, id: string): JobClaim {
  const ctx = { limiter } as unknown as JobContext;
  return new JobClaim(ctx, id, new AbortController().signal, {} as ClientEntry);
}

test("final step: the slot goes to the next job; past `finishing` a job keeps its slot", async () => {
  const limiter = createLimiter({ global: 2, perPeer: 2, finishing: 1 });
  const a = claimOn(limiter, "a");
  const b = claimOn(limiter, "b");
  await a.reacquireSlot(PEER);
  await b.reacquireSlot(PEER);
  assert.equal(limiter.global.available, 0);

  a.enterFinalStep();
  assert.equal(a.holdsSlot, false, "the first job in its final step gives its slot back");
  assert.equal(limiter.global.available, 1);
  assert.equal(limiter.finishing.available, 0);

  b.enterFinalStep();
  assert.equal(b.holdsSlot, true, "no finishing permit left: the job keeps its slot to the end");
  assert.equal(limiter.global.available, 1);

  a.enterFinalStep(); // a second call changes nothing
  assert.equal(limiter.finishing.available, 0);

  a.releaseSlot(); // the job ended: its finishing permit goes back
  assert.equal(limiter.finishing.available, 1);
  b.enterFinalStep();
  assert.equal(b.holdsSlot, false);
  b.releaseSlot();
  assert.equal(limiter.global.available, 2);
  assert.equal(limiter.finishing.available, 1);
});

test("final step: a job waiting for a slot starts while the one before it finishes", async () => {
  const limiter = createLimiter({ global: 1, perPeer: 1 });
  const a = claimOn(limiter, "a");
  const b = claimOn(limiter, "b");
  await a.reacquireSlot(PEER);
  let bStarted = false;
  const waiting = b.reacquireSlot(PEER).then(() => {
    bStarted = true;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(bStarted, false, "one slot: the second job waits");
  a.enterFinalStep();
  await waiting;
  assert.equal(bStarted, true);
  assert.equal(b.holdsSlot, true);

  // A failed final step: the next attempt of the first job takes a slot again, after the second's.
  let aAgain = false;
  const retry = a.reacquireSlot(PEER).then(() => {
    aAgain = true;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(aAgain, false);
  b.releaseSlot();
  await retry;
  assert.equal(a.holdsSlot, true);
  a.releaseSlot();
  assert.equal(limiter.global.available, 1);
});
