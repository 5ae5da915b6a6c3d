/**
 * The folder the "folder" group downloads (issue 22's "1,000 files, a mix of 64 KiB to 64 MiB,
 * 1 GiB in all"): a fixed mix of sizes spread over a two-level tree. Pure.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** One file of the bench folder: its path below the folder, and its size. */
export interface LayoutFile {
  readonly rel: string;
  readonly size: number;
}

/** [count, size] per size class: the full run (1,000 files, 1003 MiB) and the quick one (100 files, 19.25 MiB). */
const FULL: ReadonlyArray<readonly [number, number]> = [
  [8, 64 * MiB],
  [32, 8 * MiB],
  [160, MiB],
  [400, 128 * KiB],
  [400, 64 * KiB],
];
const QUICK: ReadonlyArray<readonly [number, number]> = [
  [1, 4 * MiB],
  [4, MiB],
  [15, 256 * KiB],
  [40, 128 * KiB],
  [40, 64 * KiB],
];

/**
 * The files of the bench folder: `d<i mod 10>/` and, for every third file, `d<…>/sub/`; sizes
 * dealt out by a fixed permutation (a stride coprime with the count) so the big files are spread
 * over the tree and the listing order instead of coming first.
 */
export function folderLayout(quick: boolean): LayoutFile[] {
  const sizes = (quick ? QUICK : FULL).flatMap(([n, size]) => Array.from({ length: n }, () => size));
  const n = sizes.length;
  const stride = 7919; // prime, so coprime with 100 and 1,000: i ↦ i·stride mod n is a permutation.
  return sizes.map((_, i) => {
    const dir = `d${i % 10}${i % 3 === 0 ? "/sub" : ""}`;
    return { rel: `${dir}/${String(i).padStart(4, "0")}.bin`, size: sizes[(i * stride) % n] as number };
  });
}

/** Total bytes of a layout. */
export function layoutBytes(files: readonly LayoutFile[]): number {
  return files.reduce((s, f) => s + f.size, 0);
}

/**
 * aria2c's input file (`-i`): each file's URL under the folder link (every path component
 * percent-encoded), with an `out=` line that keeps the tree.
 */
export function aria2cInput(linkUrl: string, files: readonly LayoutFile[]): string {
  const base = linkUrl.endsWith("/") ? linkUrl : `${linkUrl}/`;
  return files.map((f) => `${base}${f.rel.split("/").map(encodeURIComponent).join("/")}\n  out=${f.rel}\n`).join("");
}
