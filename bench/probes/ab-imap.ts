/**
 * Same-process A/B of `pool.imap` / `pool.imapUnordered` across commits (not
 * a bench of record): extracts `packages/core/src` and `packages/node/src` of
 * each revision into `.tmp/ab-imap/<rev>` (the extracted `@corun/node`
 * imports its own revision's core), loads every version into one process, and
 * runs them interleaved in a changing order, so machine noise hits them alike.
 *
 *   tsx bench/probes/ab-imap.ts 0c2fe15^ 0c2fe15
 *   ROUNDS=9 N=50000 tsx bench/probes/ab-imap.ts HEAD work   (work = the working tree)
 *   CHUNKSIZES=100 N=1000000 tsx bench/probes/ab-imap.ts 0c2fe15^ 0c2fe15
 *
 * Each sample makes a 2-thread pool, waits until its workers are up, warms
 * it, then streams N no-op tasks (the pool bench's `noop`) through `imap` or
 * `imapUnordered` with `chunksize` 1 or 100 (`CHUNKSIZES`) and counts the results; only the
 * stream is timed. The report gives each contender's median time and, per
 * configuration, the median of the per-round ratios of each revision to the
 * first one.
 */
import { Effect, type Scope, Stream } from "effect"
import { spawnSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { noop } from "../pool/tasks.ts"

const revisions = process.argv.slice(2)
if (revisions.length === 0) revisions.push("HEAD^", "HEAD")
const N = Number(process.env.N ?? 100_000)
const ROUNDS = Number(process.env.ROUNDS ?? 7)
const tasks = new URL("../pool/tasks.ts", import.meta.url)
const inputs = Array.from({ length: N }, (_, i) => i)
const warmInputs = Array.from({ length: 2_000 }, (_, i) => i)

/** Every `.ts` file under `dir`. */
const sources = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : []
  })

const load = async (revision: string): Promise<NodeModule> => {
  if (revision === "work") return import("../../packages/node/src/index.ts")
  const dir = `.tmp/ab-imap/${revision.replace(/[^\w.-]/g, "_")}`
  mkdirSync(dir, { recursive: true })
  const archive = spawnSync("sh", [
    "-c",
    `git archive ${revision} packages/core/src packages/node/src | tar -x -C ${dir}`
  ])
  if (archive.status !== 0) throw new Error(`cannot extract ${revision}: ${archive.stderr}`)
  // The extracted node package imports the extracted core, not the workspace's.
  const core = join(dir, "packages/core/src")
  for (const file of sources(join(dir, "packages/node/src"))) {
    const to = (module: string) => {
      const path = relative(dirname(file), join(core, module))
      return path.startsWith(".") ? path : `./${path}`
    }
    const text = readFileSync(file, "utf8")
      .replaceAll(`"@corun/core/Backend"`, `"${to("Backend.ts")}"`)
      .replaceAll(`"@corun/core/Task"`, `"${to("Task.ts")}"`)
      .replaceAll(`"@corun/core"`, `"${to("index.ts")}"`)
    writeFileSync(file, text)
  }
  return import(`../../${dir}/packages/node/src/index.ts`)
}

// The versions' types differ; each is used through this one shape.
interface AnyPool {
  imap(task: typeof noop, inputs: Iterable<number>, options: { chunksize: number }): Stream.Stream<number, unknown>
  imapUnordered(
    task: typeof noop,
    inputs: Iterable<number>,
    options: { chunksize: number }
  ): Stream.Stream<number, unknown>
  map(task: typeof noop, inputs: Iterable<number>): Effect.Effect<Array<number>, unknown>
  /** The pool's own `awaitReady` (revisions before 2d8d6c2 have only `NodePool.awaitReady(pool)`). */
  readonly awaitReady?: Effect.Effect<void, unknown>
}
interface NodeModule {
  NodePool: {
    make(options: { tasks: URL; size: number }): Effect.Effect<AnyPool, unknown, Scope.Scope>
    awaitReady?(pool: AnyPool): Effect.Effect<void, unknown>
  }
}

/** One sample: the stream's time in milliseconds. */
const sample = (m: NodeModule, ordered: boolean, chunksize: number): Promise<number> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const pool = yield* m.NodePool.make({ tasks, size: 2 })
    yield* pool.awaitReady ?? m.NodePool.awaitReady!(pool)
    yield* pool.map(noop, warmInputs)
    const stream = () =>
      ordered ? pool.imap(noop, inputs, { chunksize }) : pool.imapUnordered(noop, inputs, { chunksize })
    yield* Stream.runDrain(stream().pipe(Stream.take(warmInputs.length)))
    const start = performance.now()
    let count = 0
    let sum = 0
    yield* Stream.runForEach(stream(), (n) =>
      Effect.sync(() => {
        count++
        sum += n
      }))
    const elapsed = performance.now() - start
    if (count !== N || sum !== (N * (N - 1)) / 2) throw new Error(`expected ${N} results, got ${count}`)
    return elapsed
  })))

const modules = await Promise.all(revisions.map(load))
const chunksizes = (process.env.CHUNKSIZES ?? "1,100").split(",").map(Number)
const configs = chunksizes.flatMap((chunksize) => [{ ordered: true, chunksize }, { ordered: false, chunksize }])
const label = (c: (typeof configs)[number]) => `${c.ordered ? "imap" : "imapUnordered"} chunksize ${c.chunksize}`
const contenders = configs.flatMap((config) =>
  modules.map((m, i) => ({ revision: i, config, run: () => sample(m, config.ordered, config.chunksize) }))
)
const times = contenders.map((): Array<number> => [])
for (const contender of contenders) await contender.run()
// The order rotates every round and runs backwards every other round, so no
// version always runs right after the same neighbour.
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < contenders.length; k++) {
    const step = (round + k) % contenders.length
    const i = round % 2 === 0 ? step : contenders.length - 1 - step
    times[i].push(await contenders[i].run())
  }
}
const quantile = (values: Array<number>, q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))]
const median = (values: Array<number>) => quantile(values, 0.5)
console.log(`N = ${N}, ${ROUNDS} rounds, 2 worker threads`)
for (let i = 0; i < contenders.length; i++) {
  const { config, revision } = contenders[i]
  const base = times[contenders.findIndex((c) => c.config === config && c.revision === 0)]
  const perRound = times[i].map((t, round) => t / base[round])
  console.log(
    `${label(config).padEnd(28)} ${revisions[revision].padEnd(10)} ${median(times[i]).toFixed(1).padStart(8)} ms  ${
      Math.round((N * 1000) / median(times[i])).toString().padStart(8)
    } tasks/s   ÷ ${revisions[0]} per round: median ${median(perRound).toFixed(3)}× (quartiles ${
      quantile(perRound, 0.25).toFixed(3)
    }–${quantile(perRound, 0.75).toFixed(3)})`
  )
}
