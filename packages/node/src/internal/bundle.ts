/**
 * One-file bundles of a pool's worker: the worker body (`internal/worker`),
 * the tasks module and everything both import (`effect`, `@corun/core`…),
 * built with esbuild into a single ES module. A worker's start-up is mostly
 * the loading of `effect`'s ES modules, one by one; from one file it is a
 * fraction of that (figures in `bench/README.md`, "Start-up").
 *
 * The worker body is inside the bundle, not beside it: a worker decodes and
 * encodes with the tasks' Schemas and runs their Effects, so its `effect` and
 * the tasks module's must be one instance.
 *
 * Bundles are cached on disk (`<os.tmpdir()>/corun-bundles`, or
 * `CORUN_BUNDLE_DIR`) per tasks module: `<key>.json` lists every input file
 * (size and mtime; the contents' hash for the files outside `node_modules`,
 * the ones being edited) and the `node_modules` directories on the way
 * (their mtimes change when packages are installed or upgraded); the bundle
 * is `<key>-<hash of all inputs>.mjs`. Each pool start checks the list
 * again: anything changed, missing or in doubt means no bundle — the workers
 * load plain ES modules, as without bundling — and a rebuild in the
 * background for the next workers.
 *
 * A module is not bundled (plain ES modules then) when the bundle could not
 * behave as the modules do: `import.meta` beyond `url` / `dirname` /
 * `filename` (those three are rewritten to the original file's values), a
 * tasks URL with a query or a fragment, an
 * `import()` or `require()` of a computed name, CommonJS `__dirname` /
 * `__filename`, two copies of `effect`, or any warning from esbuild. esbuild
 * itself is an optional dependency: without it, nothing is bundled. A
 * refused module's manifest has no bundle: it is not built again until one
 * of its inputs changes. `CORUN_BUNDLE=0` turns bundling off.
 *
 * Workers of both runtimes get the bundle from the pool
 * (`WorkerInit.bundle`, set by `workerSet.ts`'s `spawn` unless the pool's
 * `bundle` option is `false`).
 *
 * @internal
 */
import type * as Crypto from "node:crypto"
import * as fs from "node:fs"
import { isBuiltin } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

/**
 * `node:crypto`'s `createHash`, loaded when a pool first checks a bundle
 * rather than when `@corun/node` is imported (built-ins cost import time too).
 */
const createHash = (algorithm: string): Crypto.Hash => process.getBuiltinModule("node:crypto").createHash(algorithm)

/** Bumped when the bundle's layout or the manifest's format changes. */
const FORMAT = 1

const isTs = /\.[cm]?ts$/.test(new URL(import.meta.url).pathname)
/** The worker body, the bundle's other entry. */
const workerBody = new URL(`./worker.${isTs ? "ts" : "js"}`, import.meta.url)

/** Bundling is on unless `CORUN_BUNDLE=0` (or `false`, `off`). */
export const enabled = (env: Readonly<Record<string, string | undefined>> = process.env): boolean => {
  const value = env.CORUN_BUNDLE?.trim().toLowerCase()
  return value !== "0" && value !== "false" && value !== "off"
}

/** The cache directory: `CORUN_BUNDLE_DIR`, else `<os.tmpdir()>/corun-bundles`. */
export const cacheDir = (env: Readonly<Record<string, string | undefined>> = process.env): string =>
  env.CORUN_BUNDLE_DIR !== undefined && env.CORUN_BUNDLE_DIR !== ""
    ? path.resolve(env.CORUN_BUNDLE_DIR)
    : path.join(os.tmpdir(), "corun-bundles")

/**
 * The flags that change how modules resolve (`--conditions`), from the
 * parent's `execArgv` and `NODE_OPTIONS`: the bundle must resolve as the
 * workers would.
 */
const conditions = (): Array<string> => {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)]
  const found: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if ((arg === "-C" || arg === "--conditions") && i + 1 < args.length) found.push(args[++i])
    else if (arg.startsWith("--conditions=")) found.push(arg.slice("--conditions=".length))
  }
  return found
}

/**
 * The cache key of a tasks module: everything that changes the bundle
 * without being one of its input files.
 */
const keyOf = (tasks: string): string =>
  createHash("sha256")
    .update(JSON.stringify([FORMAT, tasks, workerBody.href, process.version, conditions()]))
    .digest("hex")
    .slice(0, 24)

/** An input file: path, size, mtime (ms), and the contents' hash for files outside `node_modules`. */
type Input = readonly [file: string, size: number, mtimeMs: number, hash: string | null]

/** What `<key>.json` holds. */
interface Manifest {
  readonly format: number
  readonly tasks: string
  /** The bundle's file name, `null` when the module was refused. */
  readonly bundle: string | null
  readonly inputs: ReadonlyArray<Input>
  /** `node_modules` directories resolution went through, with their mtimes. */
  readonly dirs: ReadonlyArray<readonly [dir: string, mtimeMs: number]>
}

const inNodeModules = (file: string) => file.includes(`${path.sep}node_modules${path.sep}`)

const hashFile = (file: string): string => createHash("sha256").update(fs.readFileSync(file)).digest("hex")

/** The input as it is on disk now, or `undefined` when it cannot be read. */
const inputNow = (file: string): Input | undefined => {
  try {
    const stat = fs.statSync(file)
    return [file, stat.size, stat.mtimeMs, inNodeModules(file) ? null : hashFile(file)]
  } catch {
    return undefined
  }
}

const dirMtime = (dir: string): number | undefined => {
  try {
    return fs.statSync(dir).mtimeMs
  } catch {
    return undefined
  }
}

/**
 * The `node_modules` directories an input's resolution went through: every
 * `node_modules` among its ancestors, and for files outside `node_modules`
 * the `node_modules` next to each ancestor (where their bare imports were
 * looked up). Installing, removing or upgrading a package changes one of
 * these directories' entries, hence its mtime.
 */
const dirsOf = (files: ReadonlyArray<string>): Array<string> => {
  const dirs = new Set<string>()
  for (const file of files) {
    let dir = path.dirname(file)
    const outside = !inNodeModules(file)
    for (;;) {
      if (path.basename(dir) === "node_modules") dirs.add(dir)
      else if (outside) {
        const candidate = path.join(dir, "node_modules")
        if (dirMtime(candidate) !== undefined) dirs.add(candidate)
      }
      const parent = path.dirname(dir)
      if (parent === dir) break
      dir = parent
    }
  }
  return [...dirs].sort()
}

const readManifest = (dir: string, key: string): Manifest | undefined => {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, `${key}.json`), "utf8")) as Manifest
    return manifest.format === FORMAT ? manifest : undefined
  } catch {
    return undefined
  }
}

/**
 * The hashes of the files this process has read, with the `stat` they had:
 * a pool start does not read and hash them again while their size, mtime
 * and ctime stay the same (ctime changes with any write, even one that puts
 * the mtime back).
 */
const hashes = new Map<
  string,
  { readonly size: number; readonly mtimeMs: number; readonly ctimeMs: number; readonly hash: string }
>()

const hashOf = (file: string, stat: fs.Stats): string => {
  const known = hashes.get(file)
  if (
    known !== undefined && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.ctimeMs === stat.ctimeMs
  ) return known.hash
  const hash = hashFile(file)
  hashes.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, hash })
  return hash
}

/** Whether every input and directory of `manifest` is as it was when the bundle was built. */
const upToDate = (manifest: Manifest): boolean => {
  for (const [file, size, mtimeMs, hash] of manifest.inputs) {
    let stat: fs.Stats
    try {
      stat = fs.statSync(file)
    } catch {
      return false
    }
    if (stat.size !== size) return false
    if (hash === null ? stat.mtimeMs !== mtimeMs : hashOf(file, stat) !== hash) return false
  }
  for (const [dir, mtimeMs] of manifest.dirs) if (dirMtime(dir) !== mtimeMs) return false
  return true
}

/**
 * The cache's answer for `tasks`: the bundle's URL, `null` when the module
 * was refused (and none of its inputs changed since), `undefined` when there
 * is nothing up to date.
 */
const cached = (tasks: string, env: Readonly<Record<string, string | undefined>>): string | null | undefined => {
  const dir = cacheDir(env)
  const manifest = readManifest(dir, keyOf(tasks))
  if (manifest === undefined || manifest.tasks !== tasks || !upToDate(manifest)) return undefined
  if (manifest.bundle === null) return null
  const file = path.join(dir, manifest.bundle)
  return fs.existsSync(file) ? pathToFileURL(file).href : undefined
}

/**
 * The URL of the cached bundle of the tasks module `tasks` (a URL), when it
 * exists and all its inputs are unchanged; `undefined` otherwise (or when
 * bundling is off). Synchronous: a few `stat`s and small reads.
 */
export const lookup = (
  tasks: string,
  env: Readonly<Record<string, string | undefined>> = process.env
): string | undefined => {
  if (!enabled(env) || !bundleable(tasks)) return undefined
  return cached(tasks, env) ?? undefined
}

/**
 * Whether a tasks URL can be bundled: a file, without a query or a fragment
 * — those are part of the module's identity (its `import.meta.url`, which a
 * module may read its configuration from), and a bundle has its file's.
 */
const bundleable = (tasks: string): boolean => tasks.startsWith("file:") && !/[?#]/.test(tasks)

/** Builds in progress, by tasks URL (one at a time per tasks module in this process). */
const building = new Map<string, Promise<string | undefined>>()

/** Lookups made in this turn of the event loop, by tasks URL: the workers a pool starts at once check the cache once. */
const looked = new Map<string, string | undefined>()
let clearing = false

/** Tasks modules whose build failed in this process (an esbuild error, a file gone meanwhile…). */
const failed = new Set<string>()

/**
 * The bundle for a worker about to start on `tasks`: the cached one if it is
 * up to date, else `undefined` — the worker then loads plain ES modules — and
 * a build starts in the background for the workers started after it. The
 * pool does not wait for a build: starting on plain modules is faster than
 * building first (see `bench/README.md`).
 */
export const forWorker = (tasks: string): string | undefined => {
  if (!enabled()) return undefined
  if (looked.has(tasks)) return looked.get(tasks)
  if (!bundleable(tasks)) return undefined
  const answer = cached(tasks, process.env)
  const found = answer ?? undefined
  looked.set(tasks, found)
  if (!clearing) {
    clearing = true
    setImmediate(() => {
      clearing = false
      looked.clear()
    })
  }
  // A module esbuild failed on is not tried again by this process; one
  // refused after a build is not tried again until its inputs change.
  if (answer === undefined && !failed.has(tasks)) void prepare(tasks)
  return found
}

/**
 * The bundle of `tasks`, built if the cached one is missing or stale;
 * `undefined` when the module is not bundled (bundling off, esbuild
 * missing, or the module refused: see the module's notes). Never fails.
 */
export const prepare = (tasks: string): Promise<string | undefined> => {
  if (!enabled() || !bundleable(tasks)) return Promise.resolve(undefined)
  const answer = cached(tasks, process.env)
  if (answer !== undefined) return Promise.resolve(answer ?? undefined)
  let pending = building.get(tasks)
  if (pending === undefined) {
    pending = build(tasks).then(
      (url) => url,
      () => {
        failed.add(tasks)
        return undefined
      }
    ).finally(() => {
      building.delete(tasks)
      looked.delete(tasks)
    })
    building.set(tasks, pending)
  }
  return pending
}

/** The name of the bundle's entry (esbuild's `stdin`), which is no file. */
const ENTRY = "<corun worker entry>"

/** Why a module is not bundled (the build then gives `undefined`). */
class Refused extends Error {}

/**
 * What stays of `import.meta` in the bundle once `url`, `dirname` and
 * `filename` are rewritten, and what esbuild leaves to be resolved at run
 * time from the bundle's location (a computed `import()` / `require()`, a
 * CommonJS module's `__dirname`): any of it refuses the bundle. Comments are
 * gone from esbuild's output, so these are code (or, rarely, a string —
 * refused as well: doubt means plain modules).
 */
const refusal = (code: string): string | undefined => {
  if (/\bimport\.meta\b/.test(code)) return "import.meta other than url, dirname or filename"
  if (/\bimport\s*\(\s*[^"'\s]/.test(code)) return "an import() of a computed specifier"
  if (/\b__(dirname|filename)\b/.test(code)) return "__dirname or __filename"
  for (const match of code.matchAll(/\b__require\(\s*([^)]*)\)/g)) {
    const literal = /^(["'])([^"']+)\1$/.exec(match[1].trim())
    if (literal === null || !isBuiltin(literal[2])) return `a require(${match[1]}) that is not a Node built-in`
  }
  return undefined
}

const loaderOf = (file: string) => {
  if (/\.[cm]?ts$/.test(file)) return "ts" as const
  if (file.endsWith(".tsx")) return "tsx" as const
  if (file.endsWith(".jsx")) return "jsx" as const
  return "js" as const
}

/**
 * Builds the bundle of `tasks` and writes it and its manifest into the cache
 * (each to a temporary file first, then renamed: a reader sees a whole file
 * or none). Fails with `Refused` or esbuild's error.
 */
const build = async (tasks: string): Promise<string | undefined> => {
  let esbuild: typeof import("esbuild")
  try {
    esbuild = await import("esbuild")
  } catch {
    return undefined // not installed (an optional dependency): plain modules
  }
  const tasksFile = fileURLToPath(tasks)
  const cwd = process.cwd()
  const entry = `import { start } from ${JSON.stringify(fileURLToPath(workerBody))}\n` +
    `import * as tasks from ${JSON.stringify(tasksFile)}\n` +
    `start(() => tasks)\n`
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: path.dirname(tasksFile), sourcefile: ENTRY, loader: "js" },
    absWorkingDir: cwd,
    bundle: true,
    format: "esm",
    platform: "node",
    target: `node${process.versions.node}`,
    conditions: conditions(),
    write: false,
    metafile: true,
    sourcemap: "linked",
    outfile: "bundle.mjs",
    logLevel: "silent",
    // `import.meta.url` and co. are the bundle's in the bundle: each module
    // that uses them gets its own file's values, as local variables (a
    // `define` to an identifier binds to the module's own declaration).
    define: {
      "import.meta.url": "__corun_import_meta_url",
      "import.meta.dirname": "__corun_import_meta_dirname",
      "import.meta.filename": "__corun_import_meta_filename"
    },
    plugins: [{
      name: "corun-import-meta",
      setup(build) {
        build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
          const text = await fs.promises.readFile(args.path, "utf8")
          if (!text.includes("import.meta")) return undefined
          // On the first line, so that line numbers stay the same.
          const prelude = `var __corun_import_meta_url = ${JSON.stringify(pathToFileURL(args.path).href)}, ` +
            `__corun_import_meta_dirname = ${JSON.stringify(path.dirname(args.path))}, ` +
            `__corun_import_meta_filename = ${JSON.stringify(args.path)};`
          return { contents: prelude + text, loader: loaderOf(args.path) }
        })
      }
    }]
  })
  const files = Object.keys(result.metafile.inputs)
    .filter((input) => path.basename(input) !== ENTRY && !/^[a-z-]+:/.test(input))
    .map((input) => path.resolve(cwd, input))
  const inputs: Array<Input> = []
  for (const file of files) {
    const input = inputNow(file)
    if (input === undefined) throw new Refused(`${file} cannot be read`)
    inputs.push(input)
  }
  const dirs: Array<readonly [string, number]> = []
  for (const dir of dirsOf(files)) {
    const mtimeMs = dirMtime(dir)
    if (mtimeMs !== undefined) dirs.push([dir, mtimeMs])
  }
  const key = keyOf(tasks)
  const dir = cacheDir()
  await fs.promises.mkdir(dir, { recursive: true })
  const previous = readManifest(dir, key)
  const js = result.outputFiles.find((file) => file.path.endsWith(".mjs"))
  const map = result.outputFiles.find((file) => file.path.endsWith(".map"))

  // Two copies of `effect` (a tasks module resolving another version than
  // the worker body): the bundle would run them side by side.
  const effects = new Set(
    files.map((file) => /^(.*[\\/]node_modules[\\/]effect)[\\/]/.exec(file)?.[1]).filter((root) => root !== undefined)
  )
  const why = result.warnings.length > 0
    ? result.warnings[0].text
    : js === undefined
    ? "no output"
    : effects.size > 1
    ? `two copies of effect: ${[...effects].join(", ")}`
    : refusal(js.text)

  let name: string | null = null
  if (why === undefined) {
    const digest = createHash("sha256")
    for (const [file, size, mtimeMs, hash] of inputs) digest.update(`${file}\0${size}\0${hash ?? mtimeMs}\0`)
    name = `${key}-${digest.digest("hex").slice(0, 24)}.mjs`
    // The source map is named after the bundle (`//# sourceMappingURL=bundle.mjs.map`).
    const code = js!.text.replace(/\/\/# sourceMappingURL=bundle\.mjs\.map\s*$/, `//# sourceMappingURL=${name}.map\n`)
    // esbuild's `__require` (CommonJS dependencies requiring Node built-ins)
    // uses a `require` in scope when there is one.
    const banner = /\b__require\b/.test(code)
      ? `import { createRequire as __corunCreateRequire } from "node:module";\n` +
        `const require = __corunCreateRequire(import.meta.url);\n`
      : ""
    if (map !== undefined) await writeAtomic(path.join(dir, `${name}.map`), map.text)
    await writeAtomic(path.join(dir, name), banner + code)
  }
  // A refused module gets a manifest too (without a bundle): it is not
  // built again until one of its inputs changes.
  const manifest: Manifest = { format: FORMAT, tasks, bundle: name, inputs, dirs }
  await writeAtomic(path.join(dir, `${key}.json`), JSON.stringify(manifest))
  if (previous?.bundle != null && previous.bundle !== name) {
    // A worker still importing the previous bundle falls back to plain modules.
    await fs.promises.rm(path.join(dir, previous.bundle), { force: true })
    await fs.promises.rm(path.join(dir, `${previous.bundle}.map`), { force: true })
  }
  return name === null ? undefined : lookup(tasks)
}

/** Writes `file` through a temporary file in the same directory, renamed into place; the temporary file never stays. */
const writeAtomic = async (file: string, contents: string) => {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  try {
    await fs.promises.writeFile(temporary, contents)
    await fs.promises.rename(temporary, file)
  } finally {
    await fs.promises.rm(temporary, { force: true })
  }
}
