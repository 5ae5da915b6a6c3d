import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MachineInfo } from "../../bench/machine.js";
import type { GroupResult } from "../../bench/model.js";
import { fmt, formatGoal, renderJson, renderMarkdown, resultFileName, type BenchRun } from "../../bench/report.js";
import { summarizeThroughput, type RawTarget } from "../../bench/summarize.js";

const MiB = 1048576;
const sample = (mibps: number, cpu = 0.5) => ({
  seconds: 1,
  bytes: mibps * MiB,
  serverCpuSeconds: cpu,
  clientCpuSeconds: Number.NaN,
});

describe("summarizeThroughput", () => {
  const raw: RawTarget[] = [
    { group: "http", id: "a", label: "nginx", status: "ok", samples: [sample(100), sample(300), sample(200)] },
    {
      group: "http",
      id: "b",
      label: "ours",
      status: "ok",
      samples: [sample(190), sample(170), sample(180)],
      compare: [{ baseId: "a", baseLabel: "nginx", goal: { op: ">=", threshold: 0.9 } }],
    },
    {
      group: "http",
      id: "c",
      label: "missing",
      status: "unavailable",
      reason: "not built",
      samples: [],
      compare: [{ baseId: "a", baseLabel: "nginx" }],
    },
    {
      group: "http",
      id: "d",
      label: "against missing",
      status: "ok",
      samples: [sample(50)],
      compare: [{ baseId: "c", baseLabel: "missing" }],
    },
  ];
  const [a, b, c, d] = summarizeThroughput(raw);
  it("medians, min and max in MiB/s", () => {
    assert.deepEqual(a?.mibps, { median: 200, min: 100, max: 300, count: 3 });
  });
  it("ratio of medians, with the goal judged", () => {
    assert.equal(b?.ratios[0]?.value, 180 / 200);
    assert.equal(b?.ratios[0]?.met, true);
  });
  it("server CPU per GiB is the median over samples", () => {
    assert.equal(a?.serverCpuPerGiB, 0.5 / (200 / 1024));
  });
  it("an unavailable target has no ratio and keeps its reason", () => {
    assert.ok(Number.isNaN(c?.ratios[0]?.value ?? 0));
    assert.equal(c?.reason, "not built");
  });
  it("a ratio against an unavailable target is NaN, not a crash", () => {
    assert.ok(Number.isNaN(d?.ratios[0]?.value ?? 0));
    assert.equal(d?.ratios[0]?.met, undefined);
  });
});

describe("report", () => {
  const machine: MachineInfo = {
    cores: 2,
    cpuModel: "Test CPU",
    node: "v20.20.0",
    loadavg: [0.5, 0.4, 0.3],
    memoryMiB: 4096,
    os: "linux 6",
    hostname: "h",
  };
  const group: GroupResult = {
    group: "http",
    title: "1. HTTP",
    description: "desc",
    throughput: summarizeThroughput([
      { group: "http", id: "a", label: "nginx", status: "ok", samples: [sample(1000)] },
      {
        group: "http",
        id: "b",
        label: "ours",
        status: "ok",
        samples: [sample(950)],
        compare: [{ baseId: "a", baseLabel: "nginx", goal: { op: ">=", threshold: 0.9 } }],
      },
      {
        group: "http",
        id: "c",
        label: "later",
        status: "unavailable",
        reason: "server/index.ts | missing",
        samples: [],
      },
    ]),
    metrics: [
      {
        group: "http",
        id: "m",
        label: "RSS",
        status: "ok",
        value: 42,
        unit: "MiB",
        goal: { op: "<=", threshold: 100 },
        met: true,
      },
      { group: "http", id: "n", label: "nothing", status: "failed", reason: "boom", value: Number.NaN, unit: "MiB" },
    ],
    notes: ["nginx is fine"],
  };
  const run: BenchRun = {
    startedAt: "2026-11-25T06:40:00.123Z",
    durationSeconds: 12.3,
    command: "npm run bench -- --quick",
    machine,
    loadavgAtEnd: [1, 1, 1],
    options: { quick: true },
    groups: [group],
    harnessErrors: [],
  };
  const md = renderMarkdown(run);
  it("names the machine: cores, Node version, load", () => {
    assert.match(md, /2 cores/);
    assert.match(md, /Node v20\.20\.0/);
    assert.match(md, /load average at start 0\.5 \/ 0\.4 \/ 0\.3; at end 1 \/ 1 \/ 1/);
  });
  it("has the command to reproduce", () => assert.match(md, /`npm run bench -- --quick`/));
  it("rows carry median, spread, ratio and goal mark", () => {
    assert.match(md, /\| ours \| 950 \| 950–950 \| 0\.95× nginx \(goal ≥ 0\.9 ✓\) \|/);
  });
  it("an unavailable target says so and escapes table pipes", () => {
    assert.match(md, /\| later \| not available: server\/index\.ts \\\| missing \|/);
  });
  it("metrics show value, unit, goal and mark; failures their reason", () => {
    assert.match(md, /\| RSS \| 42 MiB \| ≤ 100 MiB ✓ \|/);
    assert.match(md, /\| nothing \| failed: boom \|/);
  });
  it("notes are listed", () => assert.match(md, /- nginx is fine/));
  it("no harness error section when there is none", () => assert.doesNotMatch(md, /Harness errors/));
  it("JSON turns NaN into null and keeps the machine", () => {
    const parsed = JSON.parse(renderJson(run)) as {
      machine: MachineInfo;
      groups: Array<{ metrics: Array<{ value: unknown }> }>;
    };
    assert.equal(parsed.machine.cores, 2);
    assert.equal(parsed.groups[0]?.metrics[1]?.value, null);
  });
  it("result file names are safe and sortable", () => {
    assert.equal(resultFileName("2026-11-25T06:40:00.123Z"), "2026-11-25T06-40-00Z.json");
  });
  it("fmt and formatGoal", () => {
    assert.equal(fmt(Number.NaN), "–");
    assert.equal(fmt(1.234, 2), "1.23");
    assert.equal(formatGoal({ op: ">=", threshold: 0.9 }), "≥ 0.9");
    assert.equal(formatGoal({ op: "<=", threshold: 64 }, "MiB"), "≤ 64 MiB");
    assert.equal(formatGoal(undefined), "");
  });
});

describe("goal summary", () => {
  const machine: MachineInfo = {
    cores: 2,
    cpuModel: "c",
    node: "v20",
    loadavg: [0, 0, 0],
    memoryMiB: 1024,
    os: "linux",
    hostname: "h",
  };
  const run: BenchRun = {
    startedAt: "2026-11-25T06:40:00.000Z",
    durationSeconds: 1,
    command: "npm run bench",
    machine,
    loadavgAtEnd: [0, 0, 0],
    options: {},
    harnessErrors: [],
    groups: [
      {
        group: "http",
        title: "1",
        description: "",
        throughput: summarizeThroughput([
          { group: "http", id: "a", label: "nginx", status: "ok", samples: [sample(100)] },
          {
            group: "http",
            id: "b",
            label: "**ours**",
            status: "ok",
            samples: [sample(50)],
            compare: [{ baseId: "a", baseLabel: "nginx", goal: { op: ">=", threshold: 0.9 } }],
          },
          {
            group: "http",
            id: "c",
            label: "no goal",
            status: "ok",
            samples: [sample(50)],
            compare: [{ baseId: "a", baseLabel: "nginx" }],
          },
        ]),
        metrics: [
          {
            group: "http",
            id: "m",
            label: "RSS",
            status: "unavailable",
            reason: "not built",
            value: Number.NaN,
            unit: "MiB",
            goal: { op: "<=", threshold: 64 },
          },
        ],
        notes: [],
      },
    ],
  };
  it("lists only figures with a goal, with bold removed and a mark", async () => {
    const { goalRows } = await import("../../bench/report.js");
    assert.deepEqual(goalRows(run), [
      { what: "ours vs nginx", goal: "≥ 0.9×", measured: "0.50×", mark: "✗" },
      { what: "RSS", goal: "≤ 64 MiB", measured: "not available: not built", mark: "–" },
    ]);
  });
  it("is printed before the groups", () => {
    const md = renderMarkdown(run);
    assert.ok(md.indexOf("### Goals") < md.indexOf("### 1"));
  });
});
