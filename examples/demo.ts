/**
 * corun's demo (`pnpm demo`): the I/O fan-out that the Python tutorials use
 * threads and coroutines for, on Effect fibers.
 *
 * 20 simulated downloads, each a real `Effect.sleep` of 50–150 ms (random,
 * the same durations for every run below), fetched:
 *
 * 1. one after the other (what a single-threaded Python loop does);
 * 2. all at once with `executor.map` — Python's
 *    `ThreadPoolExecutor(20).map(download, urls)`: results in input order;
 * 3. all at once with `executor.submit` + `asCompleted` — Python's
 *    `as_completed([executor.submit(download, url) for url in urls])`:
 *    results in completion order, shortest first;
 * 4. with `Executor.make({ maxWorkers: 5 })`: at most five at a time.
 *
 * It prints each time and the speed-up over the sequential run. It checks
 * what does not depend on how busy the machine is: how many downloads were
 * in flight at once in each run (1, all 20, 20, at most 5 and at least 5),
 * that `map` kept the input order, and that `asCompleted` yielded every
 * page once, in the order the downloads completed.
 *
 * Run: `pnpm demo` (or `pnpm tsx examples/demo.ts`)
 */
import { asCompleted, Executor, Future } from "@corun/core"
import { NodeRuntime } from "@effect/platform-node"
import { Clock, Effect, Random, Stream } from "effect"
import { type Gauge, makeGauge } from "./support/concurrency.ts"
import { check } from "./support/report.ts"

const FILES = 20

interface File {
  readonly url: string
  readonly millis: number // how long its download takes
}

interface Page {
  readonly url: string
  readonly bytes: number
  readonly millis: number
}

// A simulated download: waits (I/O, not CPU) and returns the page. The gauge
// counts the downloads in flight.
const downloader = (inFlight: Gauge) => (file: File): Effect.Effect<Page> =>
  Effect.as(inFlight.track(Effect.sleep(file.millis)), {
    url: file.url,
    bytes: file.millis * 1024,
    millis: file.millis
  })

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const value = yield* effect
    return { value, millis: (yield* Clock.currentTimeMillis) - start }
  })

const program = Effect.gen(function*() {
  const files: Array<File> = []
  for (let i = 1; i <= FILES; i++) {
    files.push({
      url: `https://example.com/file-${String(i).padStart(2, "0")}`,
      millis: yield* Random.nextIntBetween(50, 150)
    })
  }
  const total = files.reduce((sum, file) => sum + file.millis, 0)
  const longest = Math.max(...files.map((file) => file.millis))
  const byUrl = (pages: ReadonlyArray<Page>) => pages.map((page) => page.url).join(",")
  const inputOrder = files.map((file) => file.url).join(",")

  console.log(`corun demo: ${FILES} simulated downloads of 50–150 ms each (Effect.sleep)`)
  console.log(`  the downloads add up to ${total} ms; the longest takes ${longest} ms\n`)

  // 1. One after the other.
  const sequentialGauge = makeGauge()
  const sequential = yield* timed(Effect.forEach(files, downloader(sequentialGauge)))
  console.log(`  sequential (one after the other)              ${String(sequential.millis).padStart(5)} ms`)

  const row = (label: string, millis: number) =>
    console.log(
      `  ${label.padEnd(46)}${String(millis).padStart(5)} ms   ${(sequential.millis / millis).toFixed(1)}× faster`
    )

  // 2. All at once, results in input order: ThreadPoolExecutor.map.
  const mappedGauge = makeGauge()
  const mapped = yield* timed(Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make({ maxWorkers: FILES })
    return yield* Stream.runCollect(executor.map(files, downloader(mappedGauge)))
  })))
  row(`Executor.map, maxWorkers: ${FILES} (input order)`, mapped.millis)

  // 3. All at once, results as they complete: submit + as_completed.
  const completedGauge = makeGauge()
  const completionOrder: Array<string> = [] // as the futures' done-callbacks see it
  const download = downloader(completedGauge)
  const completed = yield* timed(Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make({ maxWorkers: FILES })
    const futures = yield* Effect.forEach(files, (file) => executor.submit(download(file), { name: file.url }))
    yield* Effect.forEach(
      futures,
      (future) => Future.addDoneCallback(future, () => Effect.sync(() => completionOrder.push(future.name ?? "")))
    )
    return yield* Stream.runCollect(asCompleted(futures).pipe(Stream.mapEffect(Future.join)))
  })))
  row("submit + asCompleted (completion order)", completed.millis)

  // 4. At most five at a time.
  const boundedGauge = makeGauge()
  const bounded = yield* timed(Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make({ maxWorkers: 5 })
    return yield* Stream.runCollect(executor.map(files, downloader(boundedGauge)))
  })))
  row("Executor.map, maxWorkers: 5", bounded.millis)

  const first = completed.value[0]
  const last = completed.value[completed.value.length - 1]
  console.log(`\n  as completed: ${first.url} came first (${first.millis} ms), ${last.url} last (${last.millis} ms)`)

  // Checks: what ran at once and in what order, never how long it took.
  const peaks = [sequentialGauge.peak, mappedGauge.peak, completedGauge.peak, boundedGauge.peak]
  yield* check(
    peaks.join(",") === `1,${FILES},${FILES},5`,
    `downloads in flight at once should be 1 (sequential), ${FILES} (map), ${FILES} (submit) and 5 (maxWorkers: 5), got ${peaks}`
  )
  yield* check(byUrl(mapped.value) === inputOrder, "Executor.map should return the pages in input order")
  yield* check(
    byUrl(bounded.value) === inputOrder,
    "Executor.map (maxWorkers: 5) should return the pages in input order"
  )
  yield* check(
    completed.value.length === FILES && new Set(completed.value.map((page) => page.url)).size === FILES,
    "asCompleted should return every page once"
  )
  yield* check(
    byUrl(completed.value) === completionOrder.join(","),
    "asCompleted should return the pages in the order their futures completed"
  )
})

NodeRuntime.runMain(program)
