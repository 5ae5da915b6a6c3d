// `npm run build` (and `prepare`, so `npm ci` is all a newcomer runs) makes two things:
// dist/lib/, the package's JavaScript and `.d.ts` (tsc -p tsconfig.build.json; the entries in
// package.json `exports`, docs/sdk.md), and dist/cli/, the `peer` command bundled with esbuild.
//
// The CLI bundle: One ESM bundle split at every dynamic
// import: `peer --help` loads the entry chunk (commander and the command modules),
// and a command's action loads its own chunks when it runs. Node then resolves and
// compiles a few dozen files instead of about 560 (Kysely alone is 263 ESM files),
// which halved `peer serve`'s start-up and took 18 MiB off its idle RSS
// (docs/performance.md).
//
// Everything lands in one flat directory, so `new URL("./x", import.meta.url)` in any
// chunk resolves beside the entry: the hash worker is put there under the name its pool
// asks for (common/hash/hash-pool.ts loads ./hash-worker.mjs).
// Plain JavaScript with node: modules and esbuild only: it runs before anything is compiled.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { build } from "esbuild";

// `node scripts/build.mjs --cli-only DIR` bundles only the CLI, into DIR: test/run.sh builds one from
// the sources of each run for the suite's `peer` children (CONTRIBUTING.md, Tests). DIR sits two
// levels below the repository, as dist/cli does, so package.json and node_modules resolve alike.
const CLI_ONLY = process.argv[2] === "--cli-only" ? process.argv[3] : undefined;
if (process.argv[2] === "--cli-only" && !CLI_ONLY) throw new Error("build: --cli-only needs a directory");
const OUT = CLI_ONLY ?? "dist/cli";
const LIB = "dist/lib";

// Native addons stay in node_modules (pg is loaded only for PostgreSQL). pino is bundled: only
// pino.transport() finds files at run time (its worker), and peer logs with pino.destination;
// a transport would need pino external again.
const EXTERNAL = ["better-sqlite3", "pg", "pg-native"];

// ESM output has no `require`; bundled CommonJS packages (commander, mime-types…) need it
// for node: built-ins.
const REQUIRE_SHIM =
  'import { createRequire as __peerCreateRequire } from "node:module"; ' +
  "const require = __peerCreateRequire(import.meta.url);";

/** Options every bundle shares. */
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: `node${readFileSync(".nvmrc", "utf8").trim()}`,
  external: EXTERNAL,
  // Bundling renames clashing top-level names; commander names its errors from
  // `this.constructor.name`, so keep the original names.
  keepNames: true,
  sourcemap: "linked",
  banner: { js: REQUIRE_SHIM },
  logLevel: "warning",
  // Every loaded chunk's source stays in memory as a string: no comments, no indentation, and
  // local names shortened (1.45 → 1.04 MB of chunks; −0.6 MiB of a `peer get`'s peak RSS,
  // docs/performance.md). Functions and classes keep their names (keepNames: `.name`, which V8's
  // stack traces show too), and the source maps give stack traces their original lines.
  minifyWhitespace: true,
  minifyIdentifiers: true,
  legalComments: "none",
};

// Sources that may resolve files with import.meta.url: each asks for a file this script
// puts in OUT (or, for cli/main.ts, for package.json two levels up).
// common/http/content-type.ts only builds a `require` with it (mime-types, loaded from node_modules on first use).
const META_URL_USERS = new Set(["cli/main.ts", "common/hash/hash-pool.ts", "common/http/content-type.ts"]);

/** Fails the build when a source finds a file next to itself that the bundle would not have. */
function checkMetaUrlUsers(metafile) {
  for (const input of Object.keys(metafile.inputs)) {
    if (input.startsWith("node_modules/") || META_URL_USERS.has(input)) continue;
    if (readFileSync(input, "utf8").includes("import.meta.url")) {
      throw new Error(
        `${input} uses import.meta.url, which points at dist/cli/ once bundled: ` +
          "put the file it loads beside the bundle in scripts/build.mjs and add it to META_URL_USERS",
      );
    }
  }
}

/**
 * Warns about non-ASCII characters left in the output (esbuild escapes them in strings
 * but not in template literals): one such character makes V8 hold that whole chunk's
 * source as UTF-16, twice the memory of every process that loads it.
 */
function warnNonAscii() {
  for (const name of readdirSync(OUT)) {
    if (!name.endsWith(".js") && !name.endsWith(".mjs")) continue;
    const text = readFileSync(`${OUT}/${name}`, "utf8");
    const at = text.search(/[^\x00-\x7f]/);
    if (at >= 0) {
      process.stderr.write(
        `build: warning: ${OUT}/${name} has a non-ASCII character near ${JSON.stringify(text.slice(at - 30, at + 10))}; ` +
          "write it as a \\u escape in the source\n",
      );
    }
  }
}

/**
 * The library: tsc emits JavaScript and declarations together (declarations need the whole
 * type check, so esbuild for the JavaScript would save nothing). It runs while esbuild
 * bundles the CLI. The hash worker's entry is put where its pool looks for it.
 */
async function buildLibrary() {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  try {
    await promisify(execFile)(process.execPath, [tsc, "-p", "tsconfig.build.json"], { maxBuffer: 16 << 20 });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ""}${error.stderr ?? ""}`);
    throw new Error("build: tsc -p tsconfig.build.json failed (the errors are above)");
  }
  // In the sources hash-worker.mjs registers tsx; compiled, the worker is plain JavaScript.
  writeFileSync(`${LIB}/common/hash/hash-worker.mjs`, 'import "./hash-worker.js";\n');
}

/**
 * commander requires node:child_process when it loads, for executable subcommands, which `peer` has
 * none of: Node's child_process loads dgram and more with it (≈ 0.3 MiB of every command's RSS,
 * docs/performance.md). The bundle requires it at the first spawn instead. The build fails if
 * commander's line changed, rather than leave it eager unnoticed.
 */
const lazyChildProcess = {
  name: "lazy-child-process",
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const eager = "const childProcess = require('node:child_process');";
      const text = readFileSync(args.path, "utf8");
      if (!text.includes(eager)) throw new Error(`build: ${args.path} no longer has: ${eager}`);
      const lazy = "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };";
      return { contents: text.replace(eager, lazy), loader: "js" };
    });
  },
};

rmSync(CLI_ONLY ?? "dist", { recursive: true, force: true });
const library = CLI_ONLY ? undefined : buildLibrary();
const cli = await build({
  ...common,
  entryPoints: { entry: "cli/entry.ts" },
  // Every free `Headers` in the bundle (Connect's included) names cli/bundle-headers.ts's class: Node's
  // global one loads its bundled undici, which compiles a WebAssembly parser as it loads (+3.3 MiB RSS
  // for every command that makes an RPC call; docs/performance.md). The global itself is untouched.
  inject: ["cli/bundle-headers.ts"],
  plugins: [lazyChildProcess],
  outdir: OUT,
  splitting: true,
  chunkNames: "chunk-[hash]",
  metafile: true,
});
checkMetaUrlUsers(cli.metafile);
// The hash worker (client piece checks and server digests): bundled on its own (in the
// sources hash-worker.mjs registers tsx to run hash-worker.ts; the bundle needs no loader).
await build({ ...common, entryPoints: ["common/hash/hash-worker.ts"], outfile: `${OUT}/hash-worker.mjs` });
warnNonAscii();
await library;
