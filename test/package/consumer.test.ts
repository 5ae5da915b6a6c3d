/**
 * The package as a user gets it: `npm pack`, the tarball installed into a temporary project of
 * its own, a strict TypeScript program type-checked against the shipped .d.ts only (no path into
 * the repository) and run — a peer mounted in an Express app beside the app's route, listed,
 * stated, read by range and downloaded with the manager (test/package/consumer/consumer.ts).
 *
 * Offline-friendly: npm resolves from the shared cache first (`npm ci` put every dependency
 * there; express is a devDependency for this). Install scripts are not run: compiling SQLite
 * takes minutes, so the better-sqlite3 module `npm ci` built here is copied in, the same version
 * pinned by `overrides`.
 *
 * The TypeScript examples of docs/sdk.md are compiled in the same project and run against a real
 * peer (PEER_URL, PEER_KEY), like connect-es's README test.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startTestPeer } from "../helpers/peer-server.js";

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const requireFromRepo = createRequire(path.join(REPO, "package.json"));

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

/** The ```ts blocks of a Markdown file. Pure. */
export function typescriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
}

async function pack(into: string): Promise<PackResult> {
  await stat(path.join(REPO, "dist/lib/client/index.d.ts")).catch(() => {
    throw new Error("dist/lib is missing: run `npm run build` (npm ci runs it) before this test");
  });
  // --ignore-scripts: pack what the build made (prepare would rebuild it all).
  const { stdout } = await run(NPM, ["pack", "--json", "--ignore-scripts", "--pack-destination", into], {
    cwd: REPO,
    maxBuffer: 32 << 20,
  });
  const [result] = JSON.parse(stdout) as PackResult[];
  if (result === undefined) throw new Error("npm pack printed no result");
  return result;
}

test("the packed tarball installs, type-checks and runs in a project of its own", async (t) => {
  let last = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    t.diagnostic(`${name}: ${((now - last) / 1000).toFixed(1)} s`);
    last = now;
  };
  const dir = await mkdtemp(path.join(os.tmpdir(), "peer-consumer-"));
  try {
    const packed = await pack(dir);
    step(`npm pack (${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.files.length} files)`);
    const files = packed.files.map((f) => f.path);
    for (const needed of ["dist/lib/client/index.d.ts", "dist/lib/server/index.js", "dist/lib/common/proto.d.ts"]) {
      assert.ok(files.includes(needed), `the tarball lacks ${needed}`);
    }
    assert.ok(files.includes("dist/cli/entry.js") && files.includes("bin/peer.js"), "the peer command");
    assert.ok(files.includes("proto/peer/v1/peer.proto"), "the .proto for other languages");
    const stray = files.filter(
      (f) => /^(test|bench|cli|client|server|common|gen|scripts)\//.test(f) || f.endsWith(".map"),
    );
    assert.deepEqual(stray, [], "sources, tests and source maps stay out of the tarball");

    const repoPkg = JSON.parse(await readFile(path.join(REPO, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const sqlitePkg = requireFromRepo.resolve("better-sqlite3/package.json");
    const sqliteVersion = (JSON.parse(await readFile(sqlitePkg, "utf8")) as { version: string }).version;
    const project = path.join(dir, "app");
    await mkdir(path.join(project, "src"), { recursive: true });
    await writeFile(
      path.join(project, "package.json"),
      JSON.stringify({
        name: "peer-consumer",
        private: true,
        type: "module",
        dependencies: {
          "peer-share": `file:../${packed.filename}`,
          express: repoPkg.devDependencies.express,
          // docs/sdk.md's example of the generated protocol calls Connect-ES directly.
          "@connectrpc/connect": repoPkg.dependencies["@connectrpc/connect"],
          "@connectrpc/connect-node": repoPkg.dependencies["@connectrpc/connect-node"],
        },
        devDependencies: {
          "@types/express": repoPkg.devDependencies["@types/express"],
          "@types/node": repoPkg.devDependencies["@types/node"],
        },
        overrides: { "better-sqlite3": sqliteVersion },
      }),
    );
    await writeFile(
      path.join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          types: ["node"],
          outDir: "out",
        },
        include: ["src"],
      }),
    );
    await copyFile(path.join(REPO, "test/package/consumer/consumer.ts"), path.join(project, "src/consumer.ts"));
    const examples = typescriptBlocks(await readFile(path.join(REPO, "docs/sdk.md"), "utf8"));
    assert.ok(examples.length >= 4, `docs/sdk.md has ${examples.length} ts blocks`);
    for (const [i, code] of examples.entries()) await writeFile(path.join(project, `src/sdk-example-${i}.ts`), code);
    await run(NPM, ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: project,
      maxBuffer: 32 << 20,
    });
    step("npm install");
    const sqliteDir = path.join(project, "node_modules/better-sqlite3");
    await mkdir(path.join(sqliteDir, "build/Release"), { recursive: true });
    await copyFile(
      path.join(path.dirname(sqlitePkg), "build/Release/better_sqlite3.node"),
      path.join(sqliteDir, "build/Release/better_sqlite3.node"),
    );

    // The repository's compiler, but every type comes from the project's node_modules.
    const tsc = requireFromRepo.resolve("typescript/bin/tsc");
    await run(process.execPath, [tsc, "-p", project], { cwd: project }).catch((error: { stdout?: string }) => {
      throw new Error(`the consumer does not type-check against the shipped .d.ts:\n${error.stdout ?? String(error)}`);
    });
    step("tsc (strict, skipLibCheck false)");
    const { stdout } = await run(process.execPath, [path.join(project, "out/consumer.js")], { cwd: project });
    step("the consumer program");
    const result = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(result, {
      service: "peer.v1.PeerService",
      listed: ["docs/data.bin"],
      size: 200_000,
      rangeOk: true,
      notFound: "not-found",
      status: "completed",
      downloadOk: true,
      events: result.events,
      health: { ok: true },
    });
    assert.ok((result.events as string[]).includes("completed"), String(result.events));

    await runExamples(project, examples.length);
    step("docs/sdk.md examples");

    const bin = await run(path.join(project, "node_modules/.bin/peer"), ["--help"], { cwd: project });
    assert.match(bin.stdout, /serve/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Runs docs/sdk.md's compiled examples, each in a directory of its own, against a real peer. */
async function runExamples(project: string, count: number): Promise<void> {
  const peer = await startTestPeer({ shareName: "docs", files: { "data.bin": Buffer.alloc(50_000, "d") } });
  try {
    for (let i = 0; i < count; i++) {
      const cwd = path.join(project, `run-${i}`);
      await mkdir(cwd);
      const { stdout } = await run(process.execPath, [path.join(project, `out/sdk-example-${i}.js`)], {
        cwd,
        env: { ...process.env, PEER_URL: peer.url, PEER_KEY: peer.key },
      }).catch((error: { stderr?: string }) => {
        throw new Error(`docs/sdk.md example ${i + 1} failed:\n${error.stderr ?? String(error)}`);
      });
      assert.notEqual(stdout, "", `docs/sdk.md example ${i + 1} printed nothing`);
    }
  } finally {
    await peer.close();
  }
}
