/** The engine event → download state table of the service's state log (service/queue-events.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DownloadEvent } from "../../client/index.js";
import { stateOfEvent } from "../../service/queue-events.js";

const cases: Array<{ name: string; type: string; state: string | undefined }> = [
  { name: "progress changes no state (it is announced, never stored)", type: "progress", state: undefined },
  { name: "a failed piece changes no state", type: "piece-failed", state: undefined },
  { name: "a banned source changes no state", type: "source-banned", state: undefined },
  { name: "a restart changes no state", type: "restarted", state: undefined },
  { name: "validation changes no state", type: "validated", state: undefined },
  { name: "a folder's own events change no file's state", type: "folder-queued", state: undefined },
  { name: "queued", type: "queued", state: "queued" },
  { name: "a retry waits in the queue", type: "retrying", state: "queued" },
  { name: "started is downloading", type: "started", state: "downloading" },
  { name: "verifying", type: "verifying", state: "verifying" },
  { name: "completed", type: "completed", state: "completed" },
  { name: "failed", type: "failed", state: "failed" },
  { name: "paused", type: "paused", state: "paused" },
  { name: "cancelled", type: "cancelled", state: "cancelled" },
];

for (const c of cases) {
  test(`stateOfEvent: ${c.name}`, () => {
    // Only `type` decides; the other fields of each event are irrelevant to the table.
    assert.equal(stateOfEvent({ type: c.type, id: "d1" } as unknown as DownloadEvent), c.state);
  });
}
