/**
 * Port of the `executor.map` program of the Chinese tutorial “实现多任务”
 * (`concurrent.futures` section):
 *
 * ```python
 * from concurrent.futures import ThreadPoolExecutor
 * import time
 * def get_html(times):
 *     time.sleep(times)
 *     print("get page {}s finished".format(times))
 *     return times
 * executor = ThreadPoolExecutor(max_workers=2)
 * urls = [3, 2, 4]  # not real urls
 * for data in executor.map(get_html, urls):
 *     print("in main: get page {}s success".format(data))
 * ```
 *
 * Times, scaled: one tutorial second → 100 ms (300, 200 and 400 ms).
 *
 * Unlike `as_completed`, `map` hands the results back in the order of
 * `urls`: the 2 s page finishes first, but the main program hears of the
 * 3 s page first. Expected output (as in the tutorial):
 *
 * ```
 * get page 2s finished
 * get page 3s finished
 * in main: get page 3s success
 * in main: get page 2s success
 * get page 4s finished
 * in main: get page 4s success
 * ```
 *
 * Checks: the pages finished in the order of their sleeps (2, 3, 4); the
 * main program received them in the order of `urls` (3, 2, 4); and it
 * printed each one only after the page had finished. How the main lines
 * interleave with the pages' lines is not checked: on a busy machine a page
 * can finish before the main program's fiber next runs.
 *
 * Run: `pnpm tsx examples/futures-executor-map.ts`
 */
import { Executor } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Stream } from "effect"
import { captures, check, print, printedBefore } from "./support/report.ts"
import { getHtml } from "./support/simulate.ts"

const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make({ maxWorkers: 2 })
  const urls = [3, 2, 4] // not real urls
  // No submit needed: map runs get_html on every url with the executor's two
  // workers and streams the results in the order of `urls`.
  yield* executor.map(urls, getHtml).pipe(
    Stream.runForEach((data) => print(`in main: get page ${data}s success`))
  )

  const finished = captures(/^get page (\d+)s finished$/)
  const received = captures(/^in main: get page (\d+)s success$/)
  yield* check(
    finished.join(",") === "2,3,4",
    `the pages should finish in the order of their sleeps (2, 3, 4), got ${finished}`
  )
  yield* check(
    received.join(",") === urls.join(","),
    `map should return the results in input order (${urls}), got ${received}`
  )
  yield* check(
    finished.every((n) => printedBefore(`get page ${n}s finished`, `in main: get page ${n}s success`)),
    "each page should reach the main program only after it finished"
  )
}))

NodeRuntime.runMain(program)
