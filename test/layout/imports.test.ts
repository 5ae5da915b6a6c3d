/**
 * The layout rules of CONTRIBUTING.md, checked on the real tree: common/ imports neither side, the client
 * never imports the server (nor the reverse), cli/ reaches client/, server/ and service/ only through their
 * entry files, and no file imports itself through a cycle. The checker is table-tested first.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { findCycles, forbiddenEdges, readImportGraph, type ImportGraph } from "../helpers/import-graph.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const ROOTS = ["cli", "client", "common", "server", "service"] as const;

/** Entry files cli/ may import (CONTRIBUTING.md "Versions and the public API"; the internal ones are @internal). */
const CLI_ENTRIES = new Set([
  "client/index.ts",
  "client/internal.ts",
  "server/index.ts",
  "server/internal.ts",
  "service/index.ts",
  "common/proto.ts",
]);

const top = (file: string): string => file.split("/")[0] ?? "";

/** Which top-level folders each may import (besides itself). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  common: ["gen"],
  client: ["common", "gen"],
  server: ["common", "gen"],
  service: ["client", "server", "common", "gen"],
  cli: ["client", "server", "service", "common"],
};

/** The layering rule as one pure decision. */
function allowedEdge(from: string, to: string): boolean {
  const a = top(from);
  const b = top(to);
  if (a === b) return true;
  if (!(MAY_IMPORT[a] ?? []).includes(b)) return false;
  if (a === "cli" && b !== "common") return CLI_ENTRIES.has(to);
  return true;
}

const graphOf = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

describe("the layout checker", () => {
  const cycleCases: Array<{ name: string; graph: Record<string, string[]>; cycles: string[][] }> = [
    { name: "a file importing itself", graph: { "a.ts": ["a.ts"] }, cycles: [["a.ts"]] },
    {
      name: "two files importing each other",
      graph: { "a.ts": ["b.ts"], "b.ts": ["a.ts"] },
      cycles: [["a.ts", "b.ts"]],
    },
    {
      name: "a three-file ring beside a clean branch",
      graph: { "a.ts": ["b.ts", "d.ts"], "b.ts": ["c.ts"], "c.ts": ["a.ts"], "d.ts": [] },
      cycles: [["a.ts", "b.ts", "c.ts"]],
    },
    { name: "imports of files outside the graph", graph: { "a.ts": ["x/y.ts"] }, cycles: [] },
    {
      name: "a diamond (no cycle)",
      graph: { "a.ts": ["b.ts", "c.ts"], "b.ts": ["d.ts"], "c.ts": ["d.ts"], "d.ts": [] },
      cycles: [],
    },
  ];
  for (const c of cycleCases) test(`cycles: ${c.name}`, () => assert.deepEqual(findCycles(graphOf(c.graph)), c.cycles));

  const edgeCases: Array<{ name: string; from: string; to: string; allowed: boolean }> = [
    { name: "the client importing the server", from: "client/a.ts", to: "server/b.ts", allowed: false },
    { name: "the server importing the client", from: "server/a.ts", to: "client/b.ts", allowed: false },
    { name: "common importing the client", from: "common/a.ts", to: "client/b.ts", allowed: false },
    { name: "common importing the CLI", from: "common/a.ts", to: "cli/b.ts", allowed: false },
    { name: "the client importing the service", from: "client/a.ts", to: "service/b.ts", allowed: false },
    { name: "the CLI importing a client internal", from: "cli/a.ts", to: "client/job/claim.ts", allowed: false },
    {
      name: "the CLI importing generated code directly",
      from: "cli/a.ts",
      to: "gen/peer/v1/peer_pb.ts",
      allowed: false,
    },
    { name: "the CLI importing a service file", from: "cli/a.ts", to: "service/download-service.ts", allowed: false },
    { name: "the CLI importing the client's public entry", from: "cli/a.ts", to: "client/index.ts", allowed: true },
    {
      name: "the CLI importing the server's internal entry",
      from: "cli/a.ts",
      to: "server/internal.ts",
      allowed: true,
    },
    { name: "the CLI importing common", from: "cli/a.ts", to: "common/format-bytes.ts", allowed: true },
    { name: "the service importing client internals", from: "service/a.ts", to: "client/job/claim.ts", allowed: true },
    { name: "the client importing common", from: "client/a.ts", to: "common/wire/limits.ts", allowed: true },
  ];
  for (const c of edgeCases) test(`edges: ${c.name}`, () => assert.equal(allowedEdge(c.from, c.to), c.allowed));
});

describe("the source tree", () => {
  const graph = readImportGraph(REPO, ROOTS);

  test("has no import cycles", () => {
    assert.ok(graph.size > 300, `read only ${graph.size} files`);
    assert.deepEqual(findCycles(graph), []);
  });

  test("keeps the layers apart and reaches client/, server/ and service/ from cli/ only through entry files", () => {
    assert.deepEqual(forbiddenEdges(graph, allowedEdge), []);
  });

  test("says in docs/architecture.md what each folder of client/ is for", () => {
    const doc = readFileSync(path.join(REPO, "docs/architecture.md"), "utf8");
    const folders = readdirSync(path.join(REPO, "client"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `client/${e.name}/`);
    assert.ok(folders.length >= 8, folders.join(", "));
    assert.deepEqual(
      folders.filter((f) => !doc.includes(`\`${f}\``)),
      [],
      "each folder of client/ is named, as `client/<folder>/`, in docs/architecture.md",
    );
  });
});
