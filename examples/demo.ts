/**
 * corun's demo (`pnpm demo`): the "multiprocess plus coroutine" design of
 * the Python tutorials in one program. Pages are fetched on fibers (I/O:
 * many at once, at most 8 in flight) and each is processed on the worker
 * pool (CPU: a checksum of a few tens of milliseconds, on every core); the
 * results stream out in input order as they are ready, with a live
 * progress line.
 *
 * The same 16 pages (simulated downloads, a real `Effect.sleep` of
 * 40–120 ms each; sizes 4–10 kB) go through four pipelines:
 *
 * 1. sequential: fetch, process, next — one thread, one thing at a time;
 * 2. fibers only: every fetch at once (bounded), the processing still on
 *    the main thread, one page after the other;
 * 3. pool only: one fetch at a time, the processing on the pool;
 * 4. both: fetches on fibers feeding `pool.stream` — I/O and CPU overlap,
 *    on all cores.
 *
 * It prints each wall time with its speed-up over the sequential run, and
 * the cores the pool used. It checks what does not depend on how busy the
 * machine is: every page's checksum equals the one computed on the main
 * thread, the results came in input order, the processing ran on worker
 * threads (not the main one) and on more than one of them, and fetches
 * overlapped (at most 8 at once) in the pipelines that fetch on fibers.
 *
 * `--timeline FILE.html` also writes the picture of the whole demo: one
 * lane per worker and per fetching fiber, the main thread's own work, bars
 * coloured by outcome, the utilization underneath (`Timeline.toHtml`).
 *
 * Run: `pnpm demo` (or `pnpm tsx examples/demo.ts`; `pnpm demo --timeline run.html`)
 */
import { Pool, Timeline } from "@corun/core"
import { NodePool } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import { writeFileSync } from "node:fs"
import { threadId } from "node:worker_threads"
import { type Gauge, makeGauge } from "./support/concurrency.ts"
import { check } from "./support/report.ts"
import { checksum, crunch } from "./tasks/crunch.ts"

const PAGES = 16
const FETCHES_AT_ONCE = 8

// `--timeline FILE.html`: the run recorded (the pool's jobs, the fetches, the main thread's work).
const timelineAt = process.argv.indexOf("--timeline")
const timelineFile = timelineAt < 0 ? undefined : process.argv[timelineAt + 1]
const timeline = timelineFile === undefined ? undefined : Effect.runSync(Timeline.make())

/** Records `effect` in `lane` when the run is recorded. */
const recorded = (lane: string, name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  timeline === undefined ? effect : Timeline.span(timeline, lane, name)(effect)

/** Fetching fibers are drawn in slots (the lowest free one): at most `FETCHES_AT_ONCE` lanes. */
const slots: Array<boolean> = []
const inSlot = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    let slot = slots.indexOf(false)
    if (slot < 0) slot = slots.push(false) - 1
    slots[slot] = true
    return recorded(`fetch ${slot + 1}`, name)(effect).pipe(Effect.ensuring(Effect.sync(() => (slots[slot] = false))))
  })

interface Page {
  readonly url: string
  readonly fetchMillis: number
  readonly kilobytes: number
}

interface Result {
  readonly url: string
  readonly checksum: number
  readonly thread: number
}

/** A simulated download: waits (I/O, not CPU); the gauge counts fetches in flight. */
const fetcher = (inFlight: Gauge) => (page: Page): Effect.Effect<Page> =>
  Effect.as(inFlight.track(inSlot(page.url, Effect.sleep(page.fetchMillis))), page)

/** The processing on this thread (what a single-threaded program does). */
const processHere = (page: Page): Effect.Effect<Result> =>
  recorded("main thread", page.url)(
    Effect.sync(() => ({ url: page.url, checksum: checksum(page.url, page.kilobytes), thread: threadId }))
  )

/** A progress line: redrawn in place on a terminal, a line per quarter elsewhere (CI, log files). */
const progress = (label: string) => {
  let done = 0
  const tty = process.stdout.isTTY === true
  return {
    step: Effect.sync(() => {
      done++
      if (tty) {
        const width = 24
        const filled = Math.round((done / PAGES) * width)
        process.stdout.write(
          `\r  ${label.padEnd(40)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${PAGES}`
        )
      } else if (done % (PAGES / 4) === 0) console.log(`  ${label}: ${done}/${PAGES} pages`)
    }),
    end: Effect.sync(() => {
      if (tty) process.stdout.write("\r\x1b[2K")
    })
  }
}

const timed = <A, E, R>(label: string, effect: (step: Effect.Effect<void>) => Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const bar = progress(label)
    const start = yield* Clock.currentTimeMillis
    const value = yield* effect(bar.step)
    const millis = (yield* Clock.currentTimeMillis) - start
    yield* bar.end
    return { value, millis }
  })

const program = Effect.gen(function*() {
  const pool = yield* Pool.Pool
  console.log(`corun demo: ${PAGES} pages fetched (I/O, 40–120 ms each) and processed (CPU, a checksum each)`)
  console.log(`  the pool has ${pool.size} workers; fetches run on fibers, at most ${FETCHES_AT_ONCE} at once\n`)
  yield* pool.awaitReady // the workers' start-up is not part of any run
  const pages: Array<Page> = []
  for (let i = 1; i <= PAGES; i++) {
    pages.push({
      url: `https://example.com/page-${String(i).padStart(2, "0")}`,
      fetchMillis: yield* Random.nextIntBetween(40, 120),
      kilobytes: yield* Random.nextIntBetween(4, 10)
    })
  }

  // 1. Sequential.
  const sequentialGauge = makeGauge()
  const sequential = yield* timed(
    "sequential",
    (step) =>
      Effect.forEach(
        pages,
        (page) => fetcher(sequentialGauge)(page).pipe(Effect.flatMap(processHere), Effect.tap(() => step))
      )
  )
  const row = (label: string, millis: number) =>
    console.log(
      `  ${label.padEnd(60)}${String(millis).padStart(5)} ms   ${(sequential.millis / millis).toFixed(1)}×`
    )
  console.log(`  ${"sequential (fetch, process, next)".padEnd(60)}${String(sequential.millis).padStart(5)} ms   1.0×`)

  // 2. Fibers only: the fetches overlap, the processing does not.
  const fibersGauge = makeGauge()
  const fibersOnly = yield* timed("fibers only", (step) =>
    Stream.fromIterable(pages).pipe(
      Stream.mapEffect(fetcher(fibersGauge), { concurrency: FETCHES_AT_ONCE }),
      Stream.mapEffect((page) => Effect.tap(processHere(page), () => step)),
      Stream.runCollect
    ))
  row(`fibers only (${FETCHES_AT_ONCE} fetches at once, processing here)`, fibersOnly.millis)

  // 3. Pool only: one fetch at a time, the processing on the pool.
  const poolGauge = makeGauge()
  const poolOnly = yield* timed("pool only", (step) =>
    Stream.fromIterable(pages).pipe(
      Stream.mapEffect(fetcher(poolGauge)),
      Stream.map((page) => ({ url: page.url, kilobytes: page.kilobytes })),
      pool.stream(crunch, { concurrency: pool.size }),
      Stream.tap(() => step),
      Stream.runCollect
    ))
  row(`pool only (one fetch at a time, processing on ${pool.size} workers)`, poolOnly.millis)

  // 4. Both: fibers fetch, the pool processes, results in input order.
  const bothGauge = makeGauge()
  const both = yield* timed("fibers + pool", (step) =>
    Stream.fromIterable(pages).pipe(
      Stream.mapEffect(fetcher(bothGauge), { concurrency: FETCHES_AT_ONCE }),
      Stream.map((page) => ({ url: page.url, kilobytes: page.kilobytes })),
      pool.stream(crunch, { concurrency: 2 * pool.size }),
      Stream.tap(() => step),
      Stream.runCollect
    ))
  row("fibers + pool (the design: I/O and CPU overlap)", both.millis)

  const results = Array.from(both.value)
  const workerThreads = new Set(results.map((result) => result.thread))
  console.log(
    `\n  processed on ${workerThreads.size} worker threads; first result: ${results[0]!.url} → ${results[0]!.checksum}`
  )

  // Checks: what ran where, at once and in what order, never how long it took.
  // The sequential run computed every checksum on this thread.
  const expected = Array.from(sequential.value, (result) => result.checksum)
  for (
    const [name, run] of [["fibers only", fibersOnly.value], ["pool only", poolOnly.value], [
      "fibers + pool",
      results
    ]] as const
  ) {
    const got = Array.from(run)
    yield* check(
      got.map((result) => result.url).join(",") === pages.map((page) => page.url).join(","),
      `${name}: the results should come in input order`
    )
    yield* check(
      got.every((result, i) => result.checksum === expected[i]),
      `${name}: every checksum should equal the one computed on the main thread`
    )
  }
  yield* check(
    [...Array.from(poolOnly.value), ...results].every((result) => result.thread !== threadId),
    "the pool's processing should run on worker threads, not the main thread"
  )
  yield* check(
    workerThreads.size > 1 || pool.size === 1,
    `the processing should use more than one worker, got ${workerThreads.size}`
  )
  const peaks = [sequentialGauge.peak, fibersGauge.peak, poolGauge.peak, bothGauge.peak]
  if (timeline !== undefined && timelineFile !== undefined) {
    writeFileSync(timelineFile, Timeline.toHtml(timeline, { title: "corun demo: fibers fetch, the pool crunches" }))
    console.log(`  the timeline of the run is in ${timelineFile}`)
  }
  yield* check(
    peaks[0] === 1 && peaks[2] === 1 && peaks[1]! > 1 && peaks[1]! <= FETCHES_AT_ONCE && peaks[3]! > 1 &&
      peaks[3]! <= FETCHES_AT_ONCE,
    `fetches in flight at once should be 1 (sequential, pool only) and 2–${FETCHES_AT_ONCE} (on fibers), got ${peaks}`
  )
})

NodeRuntime.runMain(
  program.pipe(Effect.provide(NodePool.layer({ tasks: new URL("./tasks/crunch.ts", import.meta.url), timeline })))
)
