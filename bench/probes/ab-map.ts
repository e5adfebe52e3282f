/**
 * Same-process A/B of `Executor.map` across commits (not a bench of record):
 * extracts `packages/core/src` of each revision into `.tmp/ab-map/<rev>`,
 * loads every version into one process, and runs them interleaved with raw
 * `Effect.forEach` in a changing order, so machine noise hits them alike.
 *
 *   tsx bench/probes/ab-map.ts 54ca675 HEAD work     (work = the working tree)
 *   ROUNDS=15 tsx bench/probes/ab-map.ts d76ef6d^ d76ef6d
 *
 * Each version runs 100,000 `Effect.yieldNow` items at concurrency 1,000 on
 * an unbounded executor and on `Executor.make({ maxWorkers: 1000 })`; the
 * report gives each median and its per-round ratio to `forEach`.
 */
import { Effect, type Scope, Stream } from "effect"
import { spawnSync } from "node:child_process"
import { mkdirSync } from "node:fs"

const revisions = process.argv.slice(2)
if (revisions.length === 0) revisions.push("HEAD", "work")
const N = 100_000
const ROUNDS = Number(process.env.ROUNDS ?? 9)
const items = Array.from({ length: N }, (_, i) => i)
const task = (n: number) => Effect.as(Effect.yieldNow, n)

const load = async (revision: string): Promise<ExecutorModule> => {
  if (revision === "work") return import("../../packages/core/src/Executor.ts")
  const dir = `.tmp/ab-map/${revision.replace(/[^\w.-]/g, "_")}`
  mkdirSync(dir, { recursive: true })
  const archive = spawnSync("sh", ["-c", `git archive ${revision} packages/core/src | tar -x -C ${dir}`])
  if (archive.status !== 0) throw new Error(`cannot extract ${revision}: ${archive.stderr}`)
  return import(`../../${dir}/packages/core/src/Executor.ts`)
}

// The versions' types differ; each is used through this one shape.
interface AnyExecutor {
  map(items: Iterable<number>, f: typeof task, options?: { concurrency: number }): Stream.Stream<number, unknown>
}
interface ExecutorModule {
  make(options?: { maxWorkers: number }): Effect.Effect<AnyExecutor, unknown, Scope.Scope>
}

const runMap = (Executor: ExecutorModule, bounded: boolean): Promise<void> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make(bounded ? { maxWorkers: 1000 } : undefined)
    const results = yield* Stream.runCollect(executor.map(items, task, bounded ? undefined : { concurrency: 1000 }))
    if (results.length !== N) throw new Error(`expected ${N} results, got ${results.length}`)
  })))

const modules = await Promise.all(revisions.map(load))
const contenders: Array<[string, () => Promise<unknown>]> = [
  ...modules.map((m, i): [string, () => Promise<unknown>] => [revisions[i], () => runMap(m, false)]),
  ...modules.map((m, i): [string, () => Promise<unknown>] => [
    `${revisions[i]} maxWorkers 1000`,
    () => runMap(m, true)
  ]),
  ["Effect.forEach", () => Effect.runPromise(Effect.forEach(items, task, { concurrency: 1000 }))]
]
const times = contenders.map((): Array<number> => [])
for (let warm = 0; warm < 2; warm++) for (const [, run] of contenders) await run()
// The order rotates every round and runs backwards every other round, so no
// version always runs right after the same neighbour (whoever follows the one
// that leaves the most garbage pays for its collection).
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < contenders.length; k++) {
    const step = (round + k) % contenders.length
    const i = round % 2 === 0 ? step : contenders.length - 1 - step
    const start = performance.now()
    await contenders[i][1]()
    times[i].push(performance.now() - start)
  }
}
const median = (values: Array<number>) => [...values].sort((a, b) => a - b)[values.length >> 1]
const forEach = times[times.length - 1]
for (let i = 0; i < contenders.length; i++) {
  const perRound = times[i].map((t, round) => t / forEach[round])
  console.log(
    `${contenders[i][0].padEnd(28)} ${median(times[i]).toFixed(1).padStart(7)} ms   ÷ forEach per round: median ${
      median(perRound).toFixed(2)
    }×`
  )
}
