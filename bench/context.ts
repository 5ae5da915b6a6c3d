/**
 * What every group gets: options, the server pool, the bench files and logging.
 */
import path from "node:path";
import { ensureRandomFile, ensureSmallFiles, warmPageCache } from "./files.js";
import type { BenchOptions } from "./options.js";
import type { ServerPool } from "./server-pool.js";

/** The generated files, served by every server from one root directory. */
export interface BenchFiles {
  /** Directory shared by all servers (share "bench" on ours). */
  readonly root: string;
  /** Makes sure `<root>/<name>` has `size` random bytes and is in the page cache; returns `name`. */
  ensure(name: string, size: number): Promise<string>;
  /** Makes sure `<root>/<dir>/00000.bin…` exist; returns names relative to root. */
  ensureSmall(dir: string, count: number, size: number): Promise<string[]>;
}

/** Shared state of a run. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly pool: ServerPool;
  readonly files: BenchFiles;
  /** Progress output (stderr). */
  log(line: string): void;
  /** Records a failure of the harness's own code (makes the run exit 1). */
  harnessError(message: string): void;
}

/** Item id of a bench file on our server. */
export function itemId(name: string): string {
  return `bench/${name}`;
}

/** Creates the file helper for `root`. */
export function createBenchFiles(root: string, log: (line: string) => void): BenchFiles {
  const warmed = new Set<string>();
  return {
    root,
    async ensure(name, size) {
      const file = path.join(root, name);
      const r = await ensureRandomFile(file, size);
      if (r.created) log(`generated ${file} (${size} bytes)`);
      if (!warmed.has(name)) {
        await warmPageCache(file);
        warmed.add(name);
      }
      return name;
    },
    async ensureSmall(dir, count, size) {
      const names = await ensureSmallFiles(path.join(root, dir), count, size);
      return names.map((n) => `${dir}/${n}`);
    },
  };
}

/** Standard big-file name for a size, e.g. "random-1073741824.bin". */
export function bigFileName(size: number): string {
  return `random-${size}.bin`;
}
