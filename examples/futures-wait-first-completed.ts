/**
 * Port of the `wait` program of the Chinese tutorial “实现多任务”
 * (`concurrent.futures` section) with the other condition the tutorial
 * describes after it: "`return_when` can also be `FIRST_COMPLETED`, which
 * stops waiting as soon as the first task is done".
 *
 * ```python
 * from concurrent.futures import ThreadPoolExecutor, wait, ALL_COMPLETED, FIRST_COMPLETED
 * import time
 * def get_html(times):
 *     time.sleep(times)
 *     print("get page {}s finished".format(times))
 *     return times
 * executor = ThreadPoolExecutor(max_workers=2)
 * urls = [3, 2, 4]  # not real urls
 * all_task = [executor.submit(get_html, (url)) for url in urls]
 * wait(all_task, return_when=FIRST_COMPLETED)
 * print("main")
 * ```
 *
 * Times, scaled: one tutorial second → 100 ms (300, 200 and 400 ms).
 *
 * "main" is printed as soon as the 2 s page is done; `wait` does not cancel
 * the others, which finish afterwards (the Python interpreter waits for the
 * pool's threads at exit; here leaving the executor's scope waits for them).
 * Expected output:
 *
 * ```
 * get page 2s finished
 * main
 * get page 3s finished
 * get page 4s finished
 * ```
 *
 * Checks: "main" comes after the 2 s page and before the 4 s page (which
 * only starts when the 2 s one ends); `wait` reported the 2 s page done and
 * the 4 s page not done, and did not cancel anything: every page finished.
 * Whether the 3 s page is in `done` is not checked: on a busy machine it
 * can finish before the main program's fiber runs again, and then Python's
 * `wait` counts it as done too.
 *
 * Run: `pnpm tsx examples/futures-wait-first-completed.ts`
 */
import { Executor, Future, wait } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { captures, check, print, printedBefore } from "./support/report.ts"
import { getHtml } from "./support/simulate.ts"

const program = Effect.gen(function*() {
  let reported = { twoDone: false, fourNotDone: false, total: 0 }
  let tasks: ReadonlyArray<Future.Future<number>> = []
  yield* Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make({ maxWorkers: 2 })
    const urls = [3, 2, 4] // not real urls
    const allTask = yield* Effect.forEach(urls, (url) => executor.submit(getHtml(url)))
    tasks = allTask
    const { done, notDone } = yield* wait(allTask, { returnWhen: "FIRST_COMPLETED" })
    reported = {
      twoDone: done.includes(allTask[1]),
      fourNotDone: notDone.includes(allTask[2]),
      total: done.length + notDone.length
    }
    yield* print("main")
  })) // leaving the scope waits for the two tasks still running

  yield* check(
    printedBefore("get page 2s finished", "main") && printedBefore("main", "get page 4s finished"),
    `"main" should come after the 2 s page and before the 4 s page`
  )
  yield* check(
    reported.twoDone && reported.fourNotDone && reported.total === 3,
    `wait(FIRST_COMPLETED) should report the 2 s page done and the 4 s page not done (${JSON.stringify(reported)})`
  )
  const cancelled = (yield* Effect.forEach(tasks, Future.cancelled)).filter(Boolean).length
  const finished = captures(/^get page (\d+)s finished$/)
  yield* check(
    finished.join(",") === "2,3,4" && cancelled === 0,
    `wait should cancel nothing: every page should finish (finished: ${finished}; cancelled: ${cancelled})`
  )
})

NodeRuntime.runMain(program)
