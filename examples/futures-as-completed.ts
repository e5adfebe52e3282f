/**
 * Port of the `as_completed` program of the Chinese tutorial “实现多任务”
 * (`concurrent.futures` section):
 *
 * ```python
 * from concurrent.futures import ThreadPoolExecutor, as_completed
 * import time
 * def get_html(times):
 *     time.sleep(times)
 *     print("get page {}s finished".format(times))
 *     return times
 * executor = ThreadPoolExecutor(max_workers=2)
 * urls = [3, 2, 4]  # not real urls
 * all_task = [executor.submit(get_html, (url)) for url in urls]
 * for future in as_completed(all_task):
 *     data = future.result()
 *     print("in main: get page {}s success".format(data))
 * ```
 *
 * Times, scaled: one tutorial second → 100 ms (`get_html(3)` sleeps 300 ms,
 * `get_html(2)` 200 ms, `get_html(4)` 400 ms). With two workers the 4 s task
 * starts when the 2 s one ends, so the completion order is 2, 3, 4.
 *
 * Expected output (as in the tutorial):
 *
 * ```
 * get page 2s finished
 * in main: get page 2s success
 * get page 3s finished
 * in main: get page 3s success
 * get page 4s finished
 * in main: get page 4s success
 * ```
 *
 * Checks: the pages finished in the order of their sleeps (2, 3, 4); the
 * main program received the futures in exactly the order they completed
 * (as `Future.addDoneCallback`, Python's `add_done_callback`, saw them
 * complete); and it printed each page only after the page had finished.
 * How the main lines interleave with the pages' lines is not checked: on a
 * busy machine two pages can finish before the main program's fiber next
 * runs.
 *
 * Run: `pnpm tsx examples/futures-as-completed.ts`
 */
import { asCompleted, Executor, Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Stream } from "effect"
import { captures, check, print, printedBefore } from "./support/report.ts"
import { getHtml } from "./support/simulate.ts"

const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make({ maxWorkers: 2 })
  const urls = [3, 2, 4] // not real urls
  const allTask = yield* Effect.forEach(urls, (url) => executor.submit(getHtml(url)))
  // The order the futures complete in, as their done-callbacks see it.
  const completed: Array<number> = []
  yield* Effect.forEach(
    allTask,
    (task, i) => Future.addDoneCallback(task, () => Effect.sync(() => completed.push(urls[i])))
  )
  // asCompleted yields each future as soon as it completes: the first to
  // finish is the first the main fiber hears of.
  yield* asCompleted(allTask).pipe(
    Stream.runForEach((future) =>
      Effect.gen(function*() {
        const data = yield* Future.result(future)
        yield* print(`in main: get page ${data}s success`)
      })
    )
  )

  const finished = captures(/^get page (\d+)s finished$/)
  const received = captures(/^in main: get page (\d+)s success$/)
  yield* check(
    finished.join(",") === "2,3,4",
    `the pages should finish in the order of their sleeps (2, 3, 4), got ${finished}`
  )
  yield* check(
    received.join(",") === completed.join(","),
    `as_completed should yield the futures in the order they completed (${completed}), got ${received}`
  )
  yield* check(
    finished.every((n) => printedBefore(`get page ${n}s finished`, `in main: get page ${n}s success`)),
    "each page should reach the main program only after it finished"
  )
}))

NodeRuntime.runMain(program)
