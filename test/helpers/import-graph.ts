/**
 * The source tree's import graph, read with TypeScript's own import scanner (every `import`, `export … from`
 * and `import()` with a relative specifier), for the layout rules of test/layout/imports.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** File (repository-relative, `/`-separated) → the repository files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Reads every `.ts` file under `roots` (relative to `repo`) and resolves its relative imports. */
export function readImportGraph(repo: string, roots: readonly string[]): ImportGraph {
  const graph = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(repo, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) graph.set(rel, importsOf(repo, rel));
    }
  };
  for (const root of roots) walk(root);
  return graph;
}

function importsOf(repo: string, file: string): string[] {
  const info = ts.preProcessFile(readFileSync(path.join(repo, file), "utf8"), true, true);
  const out: string[] = [];
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith(".")) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), ref.fileName));
    const ts = target.replace(/\.js$/, ".ts");
    out.push(existsSync(path.join(repo, ts)) ? ts : target);
  }
  return out;
}

/** The graph's cycles: strongly connected components of more than one file, or a file importing itself. */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** Every import edge `from → to` for which `allowed(from, to)` is false, as "from → to". */
export function forbiddenEdges(graph: ImportGraph, allowed: (from: string, to: string) => boolean): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) for (const to of targets) if (!allowed(from, to)) out.push(`${from} → ${to}`);
  return out.sort();
}
