/** How sources are shown (cli/source-format.ts) and peer get's source checks (cli/get-sources.ts): tables. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { SourceProgress } from "../../client/events/download-events.js";
import type { DownloadSource } from "../../client/store/download-source-mapper.js";
import { checkSourceArguments, type SourceArguments } from "../../cli/get-sources.js";
import { formatSources, sourceJson, sourcesSummary } from "../../cli/source-format.js";

const p = (state: SourceProgress["state"], bytesPerSecond: number): SourceProgress => ({
  url: "http://x",
  kind: "peer",
  bytes: 0,
  bytesPerSecond,
  state,
});

const summaries: Array<[string, SourceProgress[], { active: number; bytesPerSecond: number; text: string }]> = [
  [
    "hostile rates count as 0",
    [p("active", Number.NaN), p("active", -5), p("active", Infinity)],
    { active: 3, bytesPerSecond: 0, text: "3 sources" },
  ],
  ["none", [], { active: 0, bytesPerSecond: 0, text: "0 sources" }],
  [
    "waiting, banned and unusable sources are not active",
    [p("waiting", 9), p("banned", 9), p("unusable", 9)],
    { active: 0, bytesPerSecond: 0, text: "0 sources" },
  ],
  ["one", [p("active", 100)], { active: 1, bytesPerSecond: 100, text: "1 source" }],
  [
    "rates add up",
    [p("active", 100), p("active", 250), p("waiting", 1000)],
    { active: 2, bytesPerSecond: 350, text: "2 sources" },
  ],
];

for (const [name, sources, want] of summaries) {
  test(`progress summary: ${name}`, () => {
    assert.deepEqual(sourcesSummary(sources), want);
  });
}

const source = (over: Partial<DownloadSource>): DownloadSource => ({
  kind: "peer",
  url: "http://10.0.0.1:8080",
  primary: false,
  itemId: null,
  transport: "connect",
  bytesDelivered: 0,
  rate: 0,
  failures: 0,
  nextRetryAt: null,
  bannedReason: null,
  lastError: null,
  state: "ready",
  ...over,
});

test("downloads show: the sources table marks the primary, shows bans, backoff and peers found by root", () => {
  const text = formatSources([
    source({ primary: true, itemId: "share/f", bytesDelivered: 3 * 1024 * 1024, rate: 2048 }),
    source({ url: "http://10.0.0.2:8080" }),
    source({
      kind: "mirror",
      url: "https://m.example/f\u001b[2J",
      transport: null,
      state: "banned",
      bannedReason: "piece 4 failed its hash",
    }),
    source({
      url: "http://10.0.0.3:8080",
      state: "waiting",
      failures: 2,
      lastError: "connection refused",
      nextRetryAt: new Date("2026-01-02T03:04:05Z"),
    }),
  ]);
  const lines = text.trimEnd().split("\n");
  assert.match(lines[0]!, /^KIND\s+URL\s+ITEM\s+DELIVERED\s+RATE\s+STATE\s+NOTE$/);
  assert.match(lines[1]!, /^peer\*\s+http:\/\/10\.0\.0\.1:8080\s+share\/f\s+3\.0 MiB\s+2\.0 KiB\/s\s+ready\s*$/);
  assert.match(lines[2]!, /^peer\s+http:\/\/10\.0\.0\.2:8080\s+\(by root\)\s+0 B\s+-\s+ready/);
  assert.match(
    lines[3]!,
    /^mirror\s+https:\/\/m\.example\/f\\x1b\[2J\s+-\s+.*banned\s+banned: piece 4 failed its hash$/,
  );
  assert.ok(!text.includes("\u001b"), "control characters from a URL are made printable");
  assert.match(lines[4]!, /waiting\s+connection refused; retry at 2026-01-02 03:04Z$/);
});

test("downloads show --json: a source as JSON (dates as ISO strings)", () => {
  const when = new Date("2026-01-02T03:04:05Z");
  assert.deepEqual(sourceJson(source({ nextRetryAt: when, state: "waiting" })), {
    kind: "peer",
    url: "http://10.0.0.1:8080",
    primary: false,
    itemId: null,
    transport: "connect",
    bytesDelivered: 0,
    rate: 0,
    failures: 0,
    nextRetryAt: "2026-01-02T03:04:05.000Z",
    bannedReason: null,
    lastError: null,
    state: "waiting",
  });
});

const args = (over: Partial<SourceArguments>): SourceArguments => ({
  primaryUrl: "http://10.0.0.1:8080",
  itemCount: 1,
  sources: [],
  mirrors: [],
  ...over,
});

const checks: Array<[string, SourceArguments, RegExp | undefined]> = [
  ["a mirror with no item", args({ itemCount: 0, mirrors: ["https://m/f"] }), /exactly one item id \(got 0\)/],
  ["a mirror with three items", args({ itemCount: 3, mirrors: ["https://m/f"] }), /exactly one item id \(got 3\)/],
  [
    "a mirror holding a password, not echoed",
    args({ mirrors: ["https://u:secret@m/f"] }),
    /^--mirror: a mirror URL must not hold/,
  ],
  [
    "a source also given as a mirror",
    args({ sources: [{ url: "http://m:1", key: "k" }], mirrors: ["http://m:1/"] }),
    /both as a peer and as a mirror/,
  ],
  [
    "several items without a mirror",
    args({ itemCount: 5, sources: [{ url: "http://10.0.0.2:1", key: "k" }] }),
    undefined,
  ],
  ["one item with a mirror", args({ mirrors: ["https://m/f"] }), undefined],
];

for (const [name, input, want] of checks) {
  test(`peer get sources: ${name}`, () => {
    const problem = checkSourceArguments(input);
    if (want === undefined) assert.equal(problem, undefined);
    else {
      assert.match(String(problem), want);
      assert.ok(!String(problem).includes("secret"));
    }
  });
}
