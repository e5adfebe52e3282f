/**
 * The second step of a package's `build` (after `tsc -p tsconfig.build.json`):
 * rewrites the JavaScript entry points of `dist/` into bundled files at the
 * same paths, so the published `exports` and the `.d.ts` files stay as tsc
 * wrote them.
 *
 *   node ../../scripts/bundle-dist.ts [--splitting] <entry.js>...
 *
 * (run from the package's directory, on Node's type stripping; the entries
 * are paths inside `dist/`).
 *
 * Why: a fresh process pays about a millisecond per ES module it loads (no
 * compile cache), whatever the module's size, so a package of a few dozen
 * small modules costs tens of milliseconds to import; one file per entry
 * costs a few (figures in `bench/README.md`, "import-cost").
 *
 * - The input is tsc's JavaScript, not the sources: the code is exactly what
 *   tsc emits, and esbuild chains tsc's source maps, so the bundles' maps
 *   point at `src/*.ts`.
 * - Every bare specifier stays an import (`packages: "external"`): `effect`,
 *   `@effect/*`, `esbuild`, Node's built-ins and `@corun/*` — a package never
 *   inlines another one (`@corun/node` must share `@corun/core`'s Future and
 *   Task with the user's program).
 * - `--splitting` bundles all entries together, with their shared modules in
 *   `dist/chunks/`: one copy of every module whatever entry imports it
 *   (`@corun/core`'s entries share their classes and tags). Without it each
 *   entry is bundled on its own (`@corun/node`'s entries run in different
 *   threads and processes: the pool, a worker's entry, the worker's body).
 * - `import.meta.url` keeps its meaning: in a module inlined into an entry it
 *   is the URL that module's own file had in tsc's output (relative to the
 *   bundle's URL), so paths computed from it (`new
 *   URL("../NodeWorkerMain.js", import.meta.url)`) name the same files. That
 *   needs to know which output file a module lands in, so it is refused with
 *   `--splitting`; other `import.meta` properties are refused everywhere.
 *
 * The JavaScript files tsc emitted that are no entry (and their maps) are
 * removed: nothing imports them any more.
 */
import * as esbuild from "esbuild"
import * as fs from "node:fs"
import * as path from "node:path"

const args = process.argv.slice(2)
const splitting = args.includes("--splitting")
const entries = args.filter((arg) => !arg.startsWith("--"))
if (entries.length === 0) throw new Error("usage: bundle-dist.ts [--splitting] <entry.js>...")

const dist = path.resolve("dist")

/** The prelude's variable: a `define` to an identifier binds to each module's own declaration. */
const URL_VAR = "__corun_dist_module_url"
/** The bundle's own `import.meta.url`, kept by a banner (a banner escapes the `define`). */
const BUNDLE_URL = "__corun_dist_bundle_url"
/** What `import.meta` properties that cannot be rewritten become: found in the output, they fail the build. */
const REFUSED = "__corun_dist_refused_import_meta"

/**
 * Gives each inlined module its own `import.meta.url` (see above): a
 * prelude on its first line (line numbers stay), `@__PURE__` so that it
 * is dropped where unused (a module naming `import.meta` in a comment).
 */
const importMeta = (outfile: string): esbuild.Plugin => ({
  name: "corun-dist-import-meta",
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, "utf8")
      if (!text.includes("import.meta")) return undefined
      const relative = path.relative(path.dirname(outfile), args.path).split(path.sep).join("/")
      const prelude = `var ${URL_VAR} = /* @__PURE__ */ (() => ` +
        `new URL(${JSON.stringify(relative.startsWith(".") ? relative : `./${relative}`)}, ${BUNDLE_URL}).href)();`
      return { contents: prelude + text, loader: "js" }
    })
  }
})

const refused = Object.fromEntries(
  ["dirname", "filename", "resolve", "main"].map((property) => [`import.meta.${property}`, REFUSED])
)

const common: esbuild.BuildOptions = {
  absWorkingDir: dist,
  bundle: true,
  format: "esm",
  platform: "node",
  // tsc's target: nothing is lowered further.
  target: "es2022",
  packages: "external",
  sourcemap: "linked",
  // tsc's maps carry no sources either: `src/` is published.
  sourcesContent: false,
  logLevel: "warning"
}

const outputs: Array<esbuild.OutputFile> = []
if (splitting) {
  const result = await esbuild.build({
    ...common,
    write: false,
    entryPoints: entries,
    outdir: dist,
    outbase: dist,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    define: { ...refused, "import.meta.url": REFUSED }
  })
  outputs.push(...result.outputFiles)
} else {
  for (const entry of entries) {
    const outfile = path.join(dist, entry)
    const result = await esbuild.build({
      ...common,
      write: false,
      entryPoints: [entry],
      outfile,
      define: { ...refused, "import.meta.url": URL_VAR },
      banner: { js: `const ${BUNDLE_URL} = import.meta.url;` },
      plugins: [importMeta(outfile)]
    })
    outputs.push(...result.outputFiles)
  }
}

for (const output of outputs) {
  if (output.path.endsWith(".js") && output.text.includes(REFUSED)) {
    throw new Error(
      `${output.path}: import.meta ${splitting ? "in a module bundled with --splitting" : "other than url"}`
    )
  }
}

/** Every `.js` / `.js.map` file under `dir`. */
const emitted = (dir: string): Array<string> =>
  fs.readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".js") || file.endsWith(".js.map"))
    .map((file) => path.join(dir, file))

fs.rmSync(path.join(dist, "chunks"), { recursive: true, force: true })
for (const file of emitted(dist)) fs.rmSync(file)
for (const output of outputs) {
  fs.mkdirSync(path.dirname(output.path), { recursive: true })
  fs.writeFileSync(output.path, output.contents)
}
console.log(
  `bundled ${entries.join(", ")} into ${outputs.filter((output) => output.path.endsWith(".js")).length} files` +
    ` of ${path.relative(process.cwd(), dist)}/`
)
