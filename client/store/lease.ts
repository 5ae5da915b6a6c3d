/**
 * Lease owners: `<host>/<pid>/<nonce>`. A lease held by a process of this host
 * that no longer exists is reclaimed at once (a `kill -9` or a crash must not
 * make the next run wait for the lease to expire).
 */
import { randomBytes } from "node:crypto";
import os from "node:os";

/** A fresh owner id for this process; `name` (a worker's) goes first: `<name>@<host>/<pid>/<nonce>`. */
export function makeLeaseOwner(host: string = os.hostname(), pid: number = process.pid, name?: string): string {
  const prefix = name === undefined || name === "" ? "" : `${name.replace(/[@/]/g, "_")}@`;
  return `${prefix}${host}/${pid}/${randomBytes(4).toString("hex")}`;
}

/** Parses an owner id; undefined when it is not one of ours. */
export function parseLeaseOwner(owner: string): { host: string; pid: number } | undefined {
  const m = /^(?:[^@/]*@)?(.*)\/(\d{1,10})\/[0-9a-f]{8}$/.exec(owner);
  if (m === null) return undefined;
  return { host: m[1] ?? "", pid: Number(m[2]) };
}

/** True when `pid` names a live process (signal 0 probes without sending). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as { code?: unknown }).code === "EPERM";
  }
}

/**
 * True when the owner is certainly gone: same host, another pid, and that pid
 * is not alive. Another host's lease, or one of this process, waits for expiry.
 */
export function isLeaseOwnerDead(
  owner: string,
  host: string = os.hostname(),
  selfPid: number = process.pid,
  alive: (pid: number) => boolean = isPidAlive,
): boolean {
  const parsed = parseLeaseOwner(owner);
  if (parsed === undefined || parsed.host !== host || parsed.pid === selfPid) return false;
  return !alive(parsed.pid);
}
