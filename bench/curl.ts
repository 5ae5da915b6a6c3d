/**
 * One curl download, timed by curl itself (`-w '%{time_total}'`), so the
 * process start-up of curl is not in the figure.
 */
import { spawn } from "node:child_process";

/** Options for {@link runCurl}. */
export interface CurlOptions {
  /** Extra request headers, e.g. `Authorization: Bearer …`. @default [] */
  readonly headers?: readonly string[];
  /** `first-last` byte range (curl -r). @default none */
  readonly range?: string;
  /** Where the body goes. @default "/dev/null" */
  readonly output?: string;
  /** Body size the sample must have; a different size fails the sample. */
  readonly expectedBytes?: number;
  /** Abort after this long. @default 300000 */
  readonly timeoutMs?: number;
}

/** What one curl run measured. */
export interface CurlResult {
  /** Wall time measured by curl. */
  readonly seconds: number;
  /** Body bytes received. */
  readonly bytes: number;
  /** HTTP status. */
  readonly status: number;
}

/** Parses curl's `-w '%{time_total} %{size_download} %{http_code}'` output. */
export function parseCurlWriteOut(text: string): CurlResult | undefined {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 3) return undefined;
  const [seconds, bytes, status] = parts.map(Number) as [number, number, number];
  if (![seconds, bytes, status].every(Number.isFinite)) return undefined;
  return { seconds, bytes, status };
}

/** Downloads `url` with curl; rejects on a curl error, a non-2xx status or a wrong size. */
export async function runCurl(url: string, options: CurlOptions = {}): Promise<CurlResult> {
  const args = [
    "-sS",
    "--fail",
    "-o",
    options.output ?? "/dev/null",
    "-w",
    "%{time_total} %{size_download} %{http_code}",
  ];
  for (const h of options.headers ?? []) args.push("-H", h);
  if (options.range) args.push("-r", options.range);
  args.push(url);
  const child = spawn("curl", args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c) => resolve(c));
  }).finally(() => clearTimeout(timer));
  const result = parseCurlWriteOut(out);
  if (code !== 0 || !result) {
    throw new Error(
      `curl ${url} failed (exit ${code}${result ? `, HTTP ${result.status}` : ""}): ${err.trim() || out.trim()}`,
    );
  }
  if (options.expectedBytes !== undefined && result.bytes !== options.expectedBytes) {
    throw new Error(`curl ${url} got ${result.bytes} bytes, expected ${options.expectedBytes}`);
  }
  return result;
}
