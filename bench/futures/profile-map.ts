/**
 * Profiling helper (not a bench): runs one contender of
 * `executor-map.bench.ts` in a loop so a CPU profile shows where its time goes.
 *
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof-futures --import tsx bench/futures/profile-map.ts corun
 *   node bench/futures/self-time.ts .tmp/prof-futures/<file>.cpuprofile
 */
import { Executor } from "@corun/core"
import { Effect, Stream } from "effect"
import pMap from "p-map"

const N = 100_000
const LOOPS = Number(process.env.LOOPS ?? 30)
const items = Array.from({ length: N }, (_, i) => i)
const task = (n: number) => Effect.as(Effect.yieldNow, n)
const modes: Record<string, () => Promise<unknown>> = {
  corun: () =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const executor = yield* Executor.make()
      return yield* Stream.runCollect(executor.map(items, task, { concurrency: 1000 }))
    }))),
  forEach: () => Effect.runPromise(Effect.forEach(items, task, { concurrency: 1000 })),
  pmap: () =>
    pMap(items, async (n) => {
      await null
      return n
    }, { concurrency: 1000 })
}
const run = modes[process.argv[2] ?? "corun"]
const start = performance.now()
for (let i = 0; i < LOOPS; i++) await run()
console.log(`${process.argv[2] ?? "corun"}: ${((performance.now() - start) / LOOPS).toFixed(1)} ms per run`)
