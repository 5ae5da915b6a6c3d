/**
 * Baseline: nginx with sendfile, from a private config in a temp dir on a
 * 127.0.0.1 port (pid, logs and temp paths inside that dir; `daemon off` and
 * `master_process off`, so the spawned process is the one serving and its CPU
 * and RSS can be read from /proc).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** A running private nginx. */
export interface NginxServer {
  /** Process id of the (single) nginx process. */
  readonly pid: number;
  /** `http://127.0.0.1:<port>`; files of the root are served at "/<name>". */
  readonly url: string;
  /** Stops nginx and removes its temp dir. */
  stop(): Promise<void>;
}

/** Path of the nginx binary, or `undefined` when nginx is not installed. */
export function findNginx(): string | undefined {
  for (const candidate of ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"]) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" });
  const found = which.stdout.trim();
  return which.status === 0 && found ? found : undefined;
}

/** The private nginx config: sendfile on, no access log, everything under `dir`. */
export function nginxConfig(dir: string, root: string, port: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { }
  }
}
`;
}

/** Asks the OS for a free loopback port (closed again before nginx binds it). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/**
 * Starts nginx serving `root`. Throws when it cannot start (the caller reports the
 * baseline as skipped with the message).
 */
export async function startNginx(binary: string, root: string): Promise<NginxServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "peer-bench-nginx-"));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    await writeFile(path.join(dir, "nginx.conf"), nginxConfig(dir, root, port));
    const child = spawn(binary, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", path.join(dir, "error.log")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) => (stderr = (stderr + d).slice(-2000)));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.once("error", (err) => (stderr += String(err)));
    try {
      await waitForPort(port, child, 10_000);
      return {
        pid: child.pid as number,
        url: `http://127.0.0.1:${port}`,
        stop: async () => {
          if (child.exitCode === null) {
            child.kill("SIGTERM");
            const t = setTimeout(() => child.kill("SIGKILL"), 3000);
            await exited;
            clearTimeout(t);
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = new Error(`${(err as Error).message}${stderr ? `: ${stderr.trim()}` : ""}`);
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
