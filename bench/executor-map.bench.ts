/**
 * Issue 2 benchmark: 100,000 I/O-like tasks (each one `Effect.yieldNow`, or
 * one `await null` on the Promise side) through corun's `Executor.map` at
 * concurrency 1,000, against doing it by hand in Effect
 * (`Effect.forEach(items, f, { concurrency: 1000 })`), `p-map` at
 * concurrency 1,000, and plain `Promise.all`.
 *
 *   pnpm bench executor-map               (or: tsx bench/executor-map.bench.ts)
 *   ROUNDS=21 N=100000 pnpm bench executor-map
 *
 * Every contender maps `n => n` through one yield and returns the sum of its
 * results, which is checked against n(n-1)/2 on every sample, so no
 * contender can silently measure nothing. After a warm-up, the contenders run
 * interleaved (each round in a new, seeded order) for `ROUNDS` rounds (`GC=1` forces a full
 * GC before each sample; see FORCE_GC); the report gives median, quartiles
 * and the ratios issue 8 sets targets for, on an unbounded executor and on
 * one made with `maxWorkers: 1000` alike: corun / `Effect.forEach` ≤ 0.75
 * and corun / p-map ≤ 1.3. Every `Executor.map` item is a corun task (its
 * own `TaskInfo`), so the corun rows pay for task identity; the hand-rolled
 * worker-fiber row does not.
 */
import { Executor } from "@corun/core"
import { Effect, Fiber, Stream } from "effect"
import pMap from "p-map"
import { gc, load, machine, markdownTable, median, ms, quantile, ratio, revision } from "./lib/stats.ts"

const N = Number(process.env.N ?? 100_000)
const CONCURRENCY = 1000
const ROUNDS = Math.max(9, Number(process.env.ROUNDS ?? 15))
const WARMUP = Number(process.env.WARMUP ?? 3)
// A forced full GC before each sample is off by default: it shrinks V8's
// young generation, and the Effect contenders (which allocate more per item)
// then pay for many more scavenges while it grows back: measured here, it
// doubled their times (corun 55 → 121 ms) and left p-map's alone (47 → 54 ms).
// A running service has a warm heap, so the default measures that.
const FORCE_GC = process.env.GC === "1"

const items: ReadonlyArray<number> = Array.from({ length: N }, (_, i) => i)
const expected = (N * (N - 1)) / 2

// The task: one trip through the scheduler, like an I/O call that completes
// at once. Shared by all the Effect contenders.
const task = (n: number): Effect.Effect<number> => Effect.as(Effect.yieldNow, n)
// The Promise side: one microtask hop (`await null`).
const asyncTask = async (n: number): Promise<number> => {
  await Promise.resolve()
  return n
}

const sum = (values: ReadonlyArray<number>): number => {
  let total = 0
  for (let i = 0; i < values.length; i++) total += values[i]
  return total
}

interface Contender {
  readonly name: string
  /** Shown in the table: the code a user would write. */
  readonly code: string
  /** Reference rows are printed, but are not the contenders. */
  readonly reference?: boolean
  readonly run: () => Promise<number>
}

const contenders: ReadonlyArray<Contender> = [
  {
    name: "corun Executor.map",
    code: "Stream.runCollect(executor.map(items, f, { concurrency: 1000 }))",
    run: () =>
      Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const executor = yield* Executor.make()
        const results = yield* Stream.runCollect(executor.map(items, task, { concurrency: CONCURRENCY }))
        return sum(results)
      })))
  },
  {
    // How a Python user writes it: ThreadPoolExecutor(1000), then map.
    name: "corun Executor.map, maxWorkers: 1000",
    code: "Stream.runCollect(executor.map(items, f)) on Executor.make({ maxWorkers: 1000 })",
    run: () =>
      Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const executor = yield* Executor.make({ maxWorkers: CONCURRENCY })
        const results = yield* Stream.runCollect(executor.map(items, task))
        return sum(results)
      })))
  },
  {
    name: "raw Effect.forEach",
    code: "Effect.forEach(items, f, { concurrency: 1000 })",
    run: () => Effect.runPromise(Effect.map(Effect.forEach(items, task, { concurrency: CONCURRENCY }), sum))
  },
  {
    name: "p-map",
    code: "pMap(items, async (n) => { await null; return n }, { concurrency: 1000 })",
    run: () => pMap(items, asyncTask, { concurrency: CONCURRENCY }).then(sum)
  },
  {
    name: "Promise.all",
    code: "Promise.all(items.map(async (n) => { await null; return n }))",
    run: () => Promise.all(items.map(asyncTask)).then(sum)
  },
  {
    name: "corun Executor.map, runDrain",
    code: "Stream.runDrain(executor.map(...)) (sum in f)",
    reference: true,
    run: () =>
      Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const executor = yield* Executor.make()
        let total = 0
        yield* Stream.runDrain(executor.map(items, (n) =>
          Effect.map(task(n), (value) => {
            total += value
            return value
          }), { concurrency: CONCURRENCY }))
        return total
      })))
  },
  {
    name: "raw Effect.forEach unbounded",
    code: "Effect.forEach(items, f, { concurrency: \"unbounded\" })",
    reference: true,
    run: () => Effect.runPromise(Effect.map(Effect.forEach(items, task, { concurrency: "unbounded" }), sum))
  },
  {
    name: "hand-rolled 1000 worker fibers",
    code: "1000 fibers pulling the next index in a loop, results into an array",
    reference: true,
    run: () =>
      Effect.runPromise(Effect.suspend(() => {
        // The floor for Effect: what Executor.map does inside, minus ordering,
        // back-pressure, failure and timeout handling.
        const results: Array<number> = new Array(N)
        let next = 0
        const step: Effect.Effect<void> = Effect.suspend(() => {
          if (next >= N) return Effect.void
          const i = next++
          return Effect.flatMap(task(items[i]), (value) => {
            results[i] = value
            return step
          })
        })
        return Effect.map(
          Effect.forEach(Array.from({ length: CONCURRENCY }), () => step, { concurrency: "unbounded", discard: true }),
          () => sum(results)
        )
      }))
  },
  {
    name: "raw fork each + Fiber.joinAll",
    code: "forkChild(f(n)) for each item, then Fiber.joinAll",
    reference: true,
    run: () =>
      Effect.runPromise(Effect.gen(function*() {
        const fibers: Array<Fiber.Fiber<number>> = new Array(N)
        for (let i = 0; i < N; i++) fibers[i] = yield* Effect.forkChild(task(items[i]))
        return sum(yield* Fiber.joinAll(fibers))
      }))
  }
]

/** A small seeded PRNG (mulberry32), for a shuffled but repeatable order. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const shuffle = <A>(values: Array<A>, random: () => number): Array<A> => {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[values[i], values[j]] = [values[j], values[i]]
  }
  return values
}

const sample = async (contender: Contender): Promise<number> => {
  if (FORCE_GC) gc()
  const start = performance.now()
  const total = await contender.run()
  const elapsed = performance.now() - start
  if (total !== expected) {
    throw new Error(`${contender.name} returned ${total}, expected ${expected}: the bench measured the wrong thing`)
  }
  return elapsed
}

const main = async () => {
  console.log(`executor-map: ${N} tasks, concurrency ${CONCURRENCY}, ${WARMUP} warm-up + ${ROUNDS} interleaved rounds`)
  console.log(`${machine()}, corun ${revision()}, load average ${load()}`)
  const loadBefore = load()
  for (let i = 0; i < WARMUP; i++) {
    for (const contender of contenders) await sample(contender)
  }
  const times = new Map<Contender, Array<number>>(contenders.map((c) => [c, []]))
  // The order is shuffled every round (seeded, so runs are comparable):
  // whoever runs right after the contenders that leave the most garbage (the
  // fiber-per-item rows) pays for its collection. With a fixed order that was
  // always the first row (corun on an unbounded executor ran 1.3× slower
  // than the same code on `maxWorkers: 1000`, one row later), and rotating
  // the order keeps the same neighbours.
  const random = seeded(8)
  for (let round = 0; round < ROUNDS; round++) {
    const elapsed = new Map<Contender, number>()
    for (const contender of shuffle([...contenders], random)) {
      elapsed.set(contender, await sample(contender))
    }
    const line: Array<string> = []
    for (const contender of contenders) {
      times.get(contender)!.push(elapsed.get(contender)!)
      line.push(ms(elapsed.get(contender)!))
    }
    console.log(`round ${String(round + 1).padStart(2)}: ${line.join("  ")} ms`)
  }

  const med = (c: Contender) => median(times.get(c)!)
  const [corun, corunBounded, forEach, pmap, promiseAll] = contenders
  const forEachMedian = med(forEach)
  const rows = contenders.map((c) => {
    const t = times.get(c)!
    return [
      c.reference === true ? `*${c.name}* (reference)` : c.name,
      `\`${c.code}\``,
      ms(med(c)),
      `${ms(quantile(t, 0.25))}–${ms(quantile(t, 0.75))}`,
      `${((med(c) * 1000) / N).toFixed(2)}`,
      ratio(med(c) / forEachMedian)
    ]
  })

  // Ratios per round too (each pair measured back to back), which cancel
  // most of the noise from other work on the machine.
  const perRound = (a: Contender, b: Contender) => times.get(a)!.map((t, i) => t / times.get(b)![i])
  const verdict = (name: string, a: Contender, b: Contender, target: number) => {
    const ofMedians = med(a) / med(b)
    const rounds = perRound(a, b)
    const roundMedian = median(rounds)
    const met = ofMedians <= target && roundMedian <= target
    return `- ${name}: **${ratio(ofMedians)}** (ratio of medians); per-round ratio median ${
      ratio(roundMedian)
    }, p25–p75 ${ratio(quantile(rounds, 0.25))}–${ratio(quantile(rounds, 0.75))}; target ≤ ${ratio(target)}: **${
      met ? "met" : "MISSED"
    }**`
  }

  console.log()
  console.log(`### Executor.map: ${N.toLocaleString("en")} \`Effect.yieldNow\` tasks at concurrency ${CONCURRENCY}`)
  console.log()
  console.log(
    `${machine()}; corun ${revision()}; load average ${loadBefore} before, ${load()} after (2 cores: above ~1 means ` +
      `other work competed). ${ROUNDS} interleaved rounds after ${WARMUP} warm-ups, ${
        FORCE_GC ? "full GC forced before each sample" : "no forced GC"
      }. ` +
      "Promise contenders do one `await null` per item."
  )
  console.log()
  console.log(markdownTable(["contender", "code", "median ms", "p25–p75 ms", "µs / task", "÷ forEach"], rows))
  console.log()
  // Targets: Executor.map ≤ 0.75× raw Effect.forEach and ≤ 1.3× p-map, on an
  // unbounded executor and on one made with maxWorkers: 1000 alike.
  console.log(verdict("corun / raw `Effect.forEach`", corun, forEach, 0.75))
  console.log(verdict("corun / p-map", corun, pmap, 1.3))
  console.log(verdict("corun maxWorkers: 1000 / raw `Effect.forEach`", corunBounded, forEach, 0.75))
  console.log(verdict("corun maxWorkers: 1000 / p-map", corunBounded, pmap, 1.3))
  console.log(
    `- for reference: raw forEach unbounded / Promise.all ${ratio(med(contenders[6]) / med(promiseAll))}, ` +
      `fork each / Promise.all ${ratio(med(contenders[8]) / med(promiseAll))}, ` +
      `corun / hand-rolled worker fibers ${ratio(med(corun) / med(contenders[7]))}, ` +
      `raw forEach(1000) / p-map ${ratio(forEachMedian / med(pmap))}`
  )
}

await main()
