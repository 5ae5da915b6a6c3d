/**
 * A throwaway reflink-capable file system for the bench: a sparse image file formatted with
 * `mkfs.xfs -m reflink=1`, attached to a loop device and mounted. Needs root, a loop device and
 * xfsprogs; without them (or with PEER_BENCH_NO_MOUNT set) {@link reflinkUnavailable} says why. The mount and the loop device are
 * released by `dispose()`, and by a synchronous `exit` hook when the process ends first (the bench's
 * Ctrl-C handler exits without running `finally` blocks).
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, open, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** Where the tools are looked for: root's sbin directories are not always on PATH. */
const SBIN = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

function tool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":").filter(Boolean), ...SBIN];
  return dirs.map((d) => path.join(d, name)).find((p) => existsSync(p));
}

/** Why a loop-mounted XFS cannot be made here, or undefined when it can be tried. */
export function reflinkUnavailable(): string | undefined {
  if (process.env.PEER_BENCH_NO_MOUNT) return "PEER_BENCH_NO_MOUNT is set: no loop mount made";
  if (process.platform !== "linux") return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return "not root: mounting a loop device needs root";
  if (tool("mkfs.xfs") === undefined) return "mkfs.xfs is not installed (apt-get install xfsprogs)";
  for (const t of ["losetup", "mount", "umount"]) if (tool(t) === undefined) return `${t} is not installed`;
  if (!existsSync("/dev/loop-control")) return "no loop devices (/dev/loop-control is missing)";
  return undefined;
}

/** A mounted reflink file system. */
export interface ReflinkMount {
  /** The mount point (empty at first). */
  readonly dir: string;
  /** The loop device, e.g. /dev/loop3. */
  readonly device: string;
  /** Unmounts, detaches the loop device and removes the image; never throws. */
  dispose(): Promise<void>;
}

function errorText(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message || String(err)).split("\n").filter(Boolean).slice(0, 2).join(" ").slice(0, 300);
}

/** Synchronous release, for the `exit` hook and as the last resort of `dispose`. */
function releaseSync(dir: string, device: string | undefined, mounted: boolean): void {
  const run = (cmd: string, args: string[]) => {
    try {
      execFileSync(tool(cmd) ?? cmd, args, { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  // A busy mount is detached lazily: gone from the tree now, released when the last user closes.
  if (mounted && !run("umount", [dir])) run("umount", ["-l", dir]);
  // On a lazily unmounted device, LOOP_CLR_FD sets autoclear: the kernel detaches it when it is free.
  if (device !== undefined) run("losetup", ["-d", device]);
}

/**
 * Makes a `sizeBytes` sparse image at `<base>/xfs.img`, formats it XFS with reflink, and mounts it at
 * `<base>/xfs`. Rejects with a one-line reason (and nothing left behind) when any step fails.
 */
export async function mountReflinkXfs(base: string, sizeBytes: number): Promise<ReflinkMount> {
  const why = reflinkUnavailable();
  if (why !== undefined) throw new Error(why);
  const image = path.join(base, "xfs.img");
  const dir = path.join(base, "xfs");
  let device: string | undefined;
  let mounted = false;
  const onExit = () => releaseSync(dir, device, mounted);
  process.on("exit", onExit);
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    try {
      if (mounted) {
        await exec(tool("umount") ?? "umount", [dir]).catch(async () => {
          // Something still holds a file open (a child killed late): one retry, then lazy.
          await new Promise((r) => setTimeout(r, 1000));
          await exec(tool("umount") ?? "umount", [dir]).catch(() => exec(tool("umount") ?? "umount", ["-l", dir]));
        });
        mounted = false;
      }
      if (device !== undefined) {
        await exec(tool("losetup") ?? "losetup", ["-d", device]);
        device = undefined;
      }
    } catch {
      releaseSync(dir, device, mounted);
      mounted = false;
      device = undefined;
    } finally {
      process.off("exit", onExit);
      await rm(image, { force: true }).catch(() => undefined);
    }
  };
  try {
    const fh = await open(image, "wx");
    try {
      await fh.truncate(sizeBytes);
    } finally {
      await fh.close();
    }
    await mkdir(dir, { recursive: true });
    const step = async (what: string, cmd: string, args: string[]) => {
      try {
        return (await exec(tool(cmd) ?? cmd, args)).stdout;
      } catch (err) {
        throw new Error(`${what} failed: ${errorText(err)}`);
      }
    };
    await step("mkfs.xfs -m reflink=1", "mkfs.xfs", ["-q", "-f", "-m", "reflink=1", image]);
    device = (await step("losetup", "losetup", ["--find", "--show", image])).trim();
    await step("mount -t xfs", "mount", ["-t", "xfs", device, dir]);
    mounted = true;
    return { dir, device, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
