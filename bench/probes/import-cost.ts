/**
 * Start-up cost of importing `@corun/core` (issue 9), not a bench of record:
 * spawns fresh `node` processes, each timing `await import(...)` of one
 * contender, interleaved (every round runs each contender once, in a
 * rotating order), and reports the medians:
 *
 * - `effect subpaths`: `effect/Effect` + `effect/Schema` + `effect/Stream`
 *   (what a program on Effect loads anyway);
 * - `@corun/core`: the built `packages/core/dist/index.js` (the package's
 *   source is TypeScript, so the built output is what a user imports);
 * - `@corun/core + @corun/node`: both packages as a user installs them —
 *   their `dist/` under a temporary `node_modules` with the published
 *   `exports`, next to the workspace's `effect` and `@effect/platform-node`;
 * - any `label=path/to/index.js` given on the command line (e.g. another
 *   revision's build).
 *
 *   tsx bench/probes/import-cost.ts
 *   RUNS=25 tsx bench/probes/import-cost.ts old=/tmp/core-imports-old/packages/core/dist/index.js
 *
 * The script first builds `packages/core/dist` and `packages/node/dist` with
 * the packages' `build` scripts (`tsc -p tsconfig.build.json`, then
 * `scripts/bundle-dist.ts`: one file per entry point; `BUILD=0` skips it).
 * The child processes run the Node 24 binary of the workspace (`NODE_BIN=...`
 * to choose another) with `NODE_COMPILE_CACHE` unset, so every run compiles
 * from scratch. `import` is the time of the `await import(...)` calls inside
 * the child; `process` is the child's whole wall time (Node's own start-up
 * included).
 */
import { spawnSync } from "node:child_process"
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { machine, markdownTable, median, ms, ratio } from "../lib/stats.ts"

const root = resolve(import.meta.dirname, "../..")
const RUNS = Number(process.env.RUNS ?? 15)
const node = process.env.NODE_BIN ??
  [join(root, "node_modules/.pnpm/node@24.9.0/node_modules/node/bin/node")].find(existsSync) ??
  process.execPath

if (process.env.BUILD !== "0") {
  // Each package's own `build` script (tsc, then the bundling of `dist/`),
  // run by a shell as pnpm would, with this Node and the workspace's bins.
  const PATH = [dirname(node), join(root, "node_modules/.bin"), process.env.PATH].join(delimiter)
  for (const pkg of ["core", "node"]) {
    const cwd = join(root, "packages", pkg)
    const script = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8")).scripts.build
    const build = spawnSync(script, { cwd, shell: true, encoding: "utf8", env: { ...process.env, PATH } })
    if (build.status !== 0) throw new Error(`cannot build packages/${pkg}/dist:\n${build.stdout}${build.stderr}`)
  }
}

/**
 * A temporary directory where `@corun/core` and `@corun/node` resolve as
 * installed packages: each a `package.json` with its published `exports`
 * and a link to its `dist/`; `effect` and `@effect/platform-node` link to the
 * workspace's.
 */
const installed = mkdtempSync(join(tmpdir(), "corun-import-cost-"))
process.on("exit", () => rmSync(installed, { recursive: true, force: true }))
for (const pkg of ["core", "node"]) {
  const dir = join(installed, "node_modules", "@corun", pkg)
  mkdirSync(dir, { recursive: true })
  const manifest = JSON.parse(readFileSync(join(root, "packages", pkg, "package.json"), "utf8"))
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: manifest.name, type: "module", exports: manifest.publishConfig.exports })
  )
  // A copy, not a link: Node resolves a linked file from its real place, where
  // `@corun/core` would be the workspace package (its TypeScript sources).
  cpSync(join(root, "packages", pkg, "dist"), join(dir, "dist"), { recursive: true })
}
mkdirSync(join(installed, "node_modules", "@effect"), { recursive: true })
symlinkSync(realpathSync(join(root, "node_modules/effect")), join(installed, "node_modules/effect"))
symlinkSync(
  realpathSync(join(root, "packages/node/node_modules/@effect/platform-node")),
  join(installed, "node_modules/@effect/platform-node")
)

interface Contender {
  readonly label: string
  readonly specifiers: ReadonlyArray<string>
  /** Where the bare specifiers resolve from (default: the workspace). */
  readonly cwd?: string
}

const file = (path: string): string => pathToFileURL(isAbsolute(path) ? path : resolve(root, path)).href

const contenders: Array<Contender> = [
  { label: "effect subpaths", specifiers: ["effect/Effect", "effect/Schema", "effect/Stream"] },
  { label: "@corun/core", specifiers: [file("packages/core/dist/index.js")] },
  { label: "@corun/core + @corun/node", specifiers: ["@corun/core", "@corun/node"], cwd: installed },
  ...process.argv.slice(2).map((argument) => {
    const at = argument.indexOf("=")
    return at < 0
      ? { label: argument, specifiers: [file(argument)] }
      : { label: argument.slice(0, at), specifiers: [file(argument.slice(at + 1))] }
  })
]

const env = { ...process.env }
delete env.NODE_COMPILE_CACHE

/** One fresh process importing `specifiers` in turn: [import ms, process ms]. */
const sample = ({ cwd = root, specifiers }: Contender): [number, number] => {
  const script = [
    "const start = performance.now()",
    ...specifiers.map((specifier) => `await import(${JSON.stringify(specifier)})`),
    "console.log(performance.now() - start)"
  ].join("\n")
  const start = performance.now()
  // The bare specifiers resolve from `cwd` (`effect/...` from the workspace).
  const child = spawnSync(node, ["--input-type=module", "-e", script], { cwd, env, encoding: "utf8" })
  const wall = performance.now() - start
  if (child.status !== 0) throw new Error(`import of ${specifiers.join(", ")} failed:\n${child.stderr}`)
  return [Number(child.stdout.trim()), wall]
}

const times = contenders.map(() => ({ imports: [] as Array<number>, wall: [] as Array<number> }))
sample(contenders[0]) // warms the file system cache
for (let round = 0; round < RUNS; round++) {
  for (let k = 0; k < contenders.length; k++) {
    const index = (round + k) % contenders.length
    const [imports, wall] = sample(contenders[index])
    times[index].imports.push(imports)
    times[index].wall.push(wall)
  }
}

const base = median(times[0].imports)
console.log(`${machine()}, ${node}, ${RUNS} runs each, medians\n`)
console.log(markdownTable(
  ["contender", "import ms", "vs effect subpaths", "process ms"],
  contenders.map((contender, index) => {
    const imports = median(times[index].imports)
    return [
      contender.label,
      ms(imports),
      index === 0 ? "—" : `${ratio(imports / base)} (+${ms(imports - base)} ms)`,
      ms(median(times[index].wall))
    ]
  })
))
