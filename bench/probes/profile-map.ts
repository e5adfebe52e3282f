/**
 * Profiling helper (not a bench): runs one contender of
 * `executor-map.bench.ts` in a loop so a CPU profile shows where its time goes.
 *
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof-map bench/probes/profile-map.ts corun|floor|forEach|pmap
 *   (Node 24 strips the types itself, which keeps line numbers exact)
 *   node bench/probes/self-time.ts .tmp/prof-map/<main thread file>.0.001.cpuprofile
 *
 * `NO_ASYNC_CONTEXT=1` hides `node:async_hooks` from effect before it loads,
 * which turns off the `AsyncResource` effect 4.1 creates at every fiber
 * suspension (to measure what that costs; not something to ship).
 */
if (process.env.NO_ASYNC_CONTEXT === "1") {
  const original = process.getBuiltinModule.bind(process)
  process.getBuiltinModule = ((id: string) => id === "node:async_hooks" ? undefined : original(id)) as typeof original
}
import type { Effect as EffectType } from "effect"
const { Executor } = await import("@corun/core")
const { Effect, Stream } = await import("effect")
const { default: pMap } = await import("p-map")

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
  floor: () =>
    Effect.runPromise(Effect.suspend(() => {
      const results: Array<number> = new Array(N)
      let next = 0
      const step: EffectType.Effect<void> = Effect.suspend(() => {
        if (next >= N) return Effect.void
        const i = next++
        return Effect.flatMap(task(items[i]), (value) => {
          results[i] = value
          return step
        })
      })
      return Effect.forEach(Array.from({ length: 1000 }), () => step, { concurrency: "unbounded", discard: true })
    })),
  forEach: () => Effect.runPromise(Effect.forEach(items, task, { concurrency: 1000 })),
  pmap: () =>
    pMap(items, async (n) => {
      await Promise.resolve()
      return n
    }, { concurrency: 1000 })
}
const mode = process.argv[2] ?? "corun"
const run = modes[mode]
for (let i = 0; i < 3; i++) await run()
const times: Array<number> = []
for (let i = 0; i < LOOPS; i++) {
  const start = performance.now()
  await run()
  times.push(performance.now() - start)
}
times.sort((a, b) => a - b)
console.log(
  `${mode}${process.env.NO_ASYNC_CONTEXT === "1" ? " (no async context)" : ""}: median ${
    times[times.length >> 1].toFixed(1)
  } ms per run`
)
