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
 * - any `label=path/to/index.js` given on the command line (e.g. another
 *   revision's build).
 *
 *   tsx bench/futures/import-cost.ts
 *   RUNS=25 tsx bench/futures/import-cost.ts old=/tmp/core-imports-old/packages/core/dist/index.js
 *
 * The script first builds `packages/core/dist` (`tsc -p tsconfig.build.json`;
 * `BUILD=0` skips it). The child processes run the Node 24 binary of the
 * workspace (`NODE_BIN=...` to choose another) with `NODE_COMPILE_CACHE` unset,
 * so every run compiles from scratch. `import` is the time of the `await
 * import(...)` calls inside the child; `process` is the child's whole wall
 * time (Node's own start-up included).
 */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { isAbsolute, join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { machine, markdownTable, median, ms, ratio } from "./stats.ts"

const root = resolve(import.meta.dirname, "../..")
const RUNS = Number(process.env.RUNS ?? 15)
const node = process.env.NODE_BIN ??
  [join(root, "node_modules/.pnpm/node@24.9.0/node_modules/node/bin/node")].find(existsSync) ??
  process.execPath

if (process.env.BUILD !== "0") {
  const build = spawnSync(node, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: join(root, "packages/core"),
    encoding: "utf8"
  })
  if (build.status !== 0) throw new Error(`cannot build packages/core/dist:\n${build.stdout}${build.stderr}`)
}

interface Contender {
  readonly label: string
  readonly specifiers: ReadonlyArray<string>
}

const file = (path: string): string => pathToFileURL(isAbsolute(path) ? path : resolve(root, path)).href

const contenders: Array<Contender> = [
  { label: "effect subpaths", specifiers: ["effect/Effect", "effect/Schema", "effect/Stream"] },
  { label: "@corun/core", specifiers: [file("packages/core/dist/index.js")] },
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
const sample = (specifiers: ReadonlyArray<string>): [number, number] => {
  const script = [
    "const start = performance.now()",
    ...specifiers.map((specifier) => `await import(${JSON.stringify(specifier)})`),
    "console.log(performance.now() - start)"
  ].join("\n")
  const start = performance.now()
  // `cwd: root` so that the bare `effect/...` specifiers resolve from the workspace.
  const child = spawnSync(node, ["--input-type=module", "-e", script], { cwd: root, env, encoding: "utf8" })
  const wall = performance.now() - start
  if (child.status !== 0) throw new Error(`import of ${specifiers.join(", ")} failed:\n${child.stderr}`)
  return [Number(child.stdout.trim()), wall]
}

const times = contenders.map(() => ({ imports: [] as Array<number>, wall: [] as Array<number> }))
sample(contenders[0].specifiers) // warms the file system cache
for (let round = 0; round < RUNS; round++) {
  for (let k = 0; k < contenders.length; k++) {
    const index = (round + k) % contenders.length
    const [imports, wall] = sample(contenders[index].specifiers)
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
