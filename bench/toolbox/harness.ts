/**
 * The measuring harness of `pnpm bench toolbox` (`toolbox.bench.ts`,
 * `toolbox-semaphore.bench.ts`): the sizes from the environment, the
 * contended workload, and `compare`, which runs cases interleaved round by
 * round and prints their median CPU time and ratio to the first case.
 */
import { Effect } from "effect"

/** Operations per uncontended case (environment `ITEMS`, default 1,000,000). */
export const ITEMS = Number(process.env.ITEMS ?? 1_000_000)
/** Rounds per case, the first a warm-up (environment `ROUNDS`, default 7). */
export const ROUNDS = Number(process.env.ROUNDS ?? 7)
/** Operations of the contended cases. */
export const CONTENDED = Math.max(1, Math.floor(ITEMS / 10))

/**
 * Contended: 4 fibers take turns; the body yields while holding the guard, so
 * most acquisitions have to wait for a hand-over.
 */
export const contended = (guard: (body: Effect.Effect<void>) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    let n = 0
    const body = Effect.andThen(Effect.yieldNow, Effect.sync(() => void n++))
    const worker = Effect.gen(function*() {
      for (let i = 0; i < CONTENDED / 4; i++) yield* guard(body)
    })
    yield* Effect.all([worker, worker, worker, worker], { concurrency: "unbounded", discard: true })
    return n
  })

const time = async (effect: Effect.Effect<number, unknown>) => {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const result = await Effect.runPromise(effect)
  const wall = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { ms: (used.user + used.system) / 1000, wall, result }
}

const median = (xs: Array<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const compare = async (
  title: string,
  cases: Array<[string, Effect.Effect<number, unknown>]>,
  ops = ITEMS
) => {
  const times: Array<Array<number>> = cases.map(() => [])
  const walls: Array<Array<number>> = cases.map(() => [])
  let expected: number | undefined
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < cases.length; i++) {
      const { ms, result, wall } = await time(cases[i][1])
      if (expected === undefined) expected = result
      else if (result !== expected) throw new Error(`${cases[i][0]} computed ${result}, expected ${expected}`)
      if (round > 0) {
        times[i].push(ms)
        walls[i].push(wall)
      }
    }
  }
  const base = median(times[0])
  console.log(`\n${title}  (${ops.toLocaleString("en")} ops, median of ${ROUNDS - 1} runs after 1 warm-up)`)
  console.log(
    `  ${"".padEnd(44)} ${"CPU ms".padStart(8)}  ${"M ops/s".padStart(7)}  ${"ratio".padStart(6)}  ${
      "wall ms".padStart(8)
    }`
  )
  for (let i = 0; i < cases.length; i++) {
    const m = median(times[i])
    const rate = ((ops / m) * 1000) / 1e6
    console.log(
      `  ${cases[i][0].padEnd(44)} ${m.toFixed(1).padStart(8)}  ${rate.toFixed(2).padStart(7)}  ${
        (i === 0 ? "1.00" : (m / base).toFixed(2)).padStart(5)
      }×  ${median(walls[i]).toFixed(1).padStart(8)}`
    )
  }
}
