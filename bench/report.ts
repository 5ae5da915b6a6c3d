/**
 * Pure: renders a run as a markdown report and as the JSON stored under
 * bench/results/. Both carry the machine description.
 */
import type { MachineInfo } from "./machine.js";
import type { GroupResult, MetricResult, RatioResult, ThroughputResult } from "./model.js";
import type { Goal } from "./stats.js";

/** A whole run. */
export interface BenchRun {
  /** ISO time the run started. */
  readonly startedAt: string;
  /** Seconds the run took. */
  readonly durationSeconds: number;
  /** The command line that reproduces it. */
  readonly command: string;
  /** Machine at start, and load average at the end. */
  readonly machine: MachineInfo;
  readonly loadavgAtEnd: readonly [number, number, number];
  /** Resolved options (sizes in bytes). */
  readonly options: Record<string, unknown>;
  readonly groups: readonly GroupResult[];
  /** Problems of the harness itself (exit code 1 when not empty). */
  readonly harnessErrors: readonly string[];
}

/** Formats a number with `digits` decimals, or "–" when not finite. */
export function fmt(n: number | undefined, digits = 0): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : "–";
}

/** "≥ 0.9" / "≤ 64". */
export function formatGoal(goal: Goal | undefined, unit = ""): string {
  if (!goal) return "";
  return `${goal.op === ">=" ? "≥" : "≤"} ${goal.threshold}${unit ? ` ${unit}` : ""}`;
}

function mark(met: boolean | undefined): string {
  return met === undefined ? "" : met ? " ✓" : " ✗";
}

function formatRatio(r: RatioResult): string {
  const goal = r.goal ? ` (goal ${formatGoal(r.goal)}${mark(r.met)})` : "";
  return `${fmt(r.value, 2)}× ${r.baseLabel}${goal}`;
}

function statusText(t: { status: string; reason?: string | undefined }): string {
  const reason = (t.reason ?? "").replace(/\s+/g, " ").replace(/\|/g, "\\|").slice(0, 160);
  switch (t.status) {
    case "unavailable":
      return `not available: ${reason}`;
    case "skipped":
      return `skipped: ${reason}`;
    case "failed":
      return `failed: ${reason}`;
    default:
      return reason;
  }
}

function throughputTable(rows: readonly ThroughputResult[]): string[] {
  const out = [
    "| target | MiB/s (median) | min–max | compared in this run | server CPU s/GiB | client CPU s/GiB | n |",
    "|---|---:|---:|---|---:|---:|---:|",
  ];
  for (const t of rows) {
    if (t.status !== "ok") {
      out.push(`| ${t.label} | ${statusText(t)} | | | | | 0 |`);
      continue;
    }
    out.push(
      `| ${t.label} | ${fmt(t.mibps.median)} | ${fmt(t.mibps.min)}–${fmt(t.mibps.max)} | ${t.ratios.map(formatRatio).join("; ")} | ${fmt(
        t.serverCpuPerGiB,
        2,
      )} | ${fmt(t.clientCpuPerGiB, 2)} | ${t.mibps.count} |`,
    );
  }
  return out;
}

function metricValue(m: MetricResult): string {
  if (m.status !== "ok") return statusText(m);
  const digits = Math.abs(m.value) >= 100 || Number.isInteger(m.value) ? 0 : m.value >= 10 ? 1 : 2;
  return `${fmt(m.value, digits)} ${m.unit}`;
}

function metricsTable(rows: readonly MetricResult[]): string[] {
  const out = ["| measurement | value | goal |", "|---|---:|---|"];
  for (const m of rows) {
    out.push(`| ${m.label} | ${metricValue(m)} | ${m.goal ? `${formatGoal(m.goal, m.unit)}${mark(m.met)}` : ""} |`);
  }
  return out;
}

/** One row of the goals summary. */
export interface GoalRow {
  /** Group heading number and what is measured. */
  readonly what: string;
  readonly goal: string;
  readonly measured: string;
  /** ✓, ✗, or "–" when not measured. */
  readonly mark: string;
}

/** Every figure of the run that has a goal from issue 6, in group order. */
export function goalRows(run: BenchRun): GoalRow[] {
  const rows: GoalRow[] = [];
  for (const g of run.groups) {
    for (const t of g.throughput) {
      for (const r of t.ratios) {
        if (!r.goal) continue;
        rows.push({
          what: `${t.label.replace(/\*\*/g, "")} vs ${r.baseLabel}`,
          goal: `${formatGoal(r.goal)}×`,
          measured: t.status === "ok" ? `${fmt(r.value, 2)}×` : statusText(t),
          mark: r.met === undefined ? "–" : r.met ? "✓" : "✗",
        });
      }
    }
    for (const m of g.metrics) {
      if (!m.goal) continue;
      rows.push({
        what: m.label.replace(/\*\*/g, ""),
        goal: formatGoal(m.goal, m.unit),
        measured: metricValue(m),
        mark: m.met === undefined ? "–" : m.met ? "✓" : "✗",
      });
    }
  }
  return rows;
}

/** The goals summary as a markdown table. */
export function renderGoalTable(run: BenchRun): string[] {
  const rows = goalRows(run);
  if (rows.length === 0) return [];
  return [
    "| goal | target | measured | |",
    "|---|---|---:|---|",
    ...rows.map((r) => `| ${r.what} | ${r.goal} | ${r.measured} | ${r.mark} |`),
  ];
}

/** One line describing the machine. */
export function machineLine(machine: MachineInfo, loadAtEnd?: readonly number[]): string {
  const load = machine.loadavg.join(" / ");
  const end = loadAtEnd ? `; at end ${loadAtEnd.join(" / ")}` : "";
  return `${machine.cores} cores (${machine.cpuModel}), ${Math.round(machine.memoryMiB / 1024)} GiB RAM, Node ${machine.node}, ${machine.os}; load average at start ${load}${end}`;
}

/** The run as markdown: one section per group. `headingLevel` 2 gives "##" per run and "###" per group. */
export function renderMarkdown(run: BenchRun, headingLevel = 2): string {
  const h = "#".repeat(headingLevel);
  const lines: string[] = [
    `${h} peer benchmark, ${run.startedAt}`,
    "",
    `Machine: ${machineLine(run.machine, run.loadavgAtEnd)}.`,
    `Command: \`${run.command}\` (${Math.round(run.durationSeconds)} s). Loopback; client and server share the cores. Compare ratios within one run, not MiB/s across runs.`,
    "",
  ];
  const goals = renderGoalTable(run);
  if (goals.length > 0) lines.push(`${h}# Goals`, "", ...goals, "");
  for (const g of run.groups) {
    lines.push(`${h}# ${g.title}`, "", g.description, "");
    if (g.throughput.length > 0) lines.push(...throughputTable(g.throughput), "");
    if (g.metrics.length > 0) lines.push(...metricsTable(g.metrics), "");
    for (const n of g.notes) lines.push(`- ${n}`);
    if (g.notes.length > 0) lines.push("");
  }
  if (run.harnessErrors.length > 0) {
    lines.push(`${h}# Harness errors`, "", ...run.harnessErrors.map((e) => `- ${e}`), "");
  }
  return lines.join("\n");
}

/** The run as JSON (NaN becomes null). */
export function renderJson(run: BenchRun): string {
  return JSON.stringify(run, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
}

/** File name for a run's JSON, from its start time: 2026-11-25T06-40-00Z.json. */
export function resultFileName(startedAt: string): string {
  return `${startedAt.replace(/\.\d+Z$/, "Z").replace(/:/g, "-")}.json`;
}
