/**
 * Port of the `wait` program of seeds/000_d5b9a394e6c1bda0.txt (Chinese
 * tutorial, `concurrent.futures` section) with the other condition the
 * tutorial describes after it: "`return_when` can also be
 * `FIRST_COMPLETED`, which stops waiting as soon as the first task is done".
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
 * Run: `pnpm tsx examples/futures-wait-first-completed.ts`
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { Executor, wait } from "@corun/core"
import { check, lines, print } from "./support/report.ts"
import { getHtml } from "./support/simulate.ts"

const program = Effect.gen(function*() {
  let split = { done: 0, notDone: 0 }
  yield* Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make({ maxWorkers: 2 })
    const urls = [3, 2, 4] // not real urls
    const allTask = yield* Effect.forEach(urls, (url) => executor.submit(getHtml(url)))
    const { done, notDone } = yield* wait(allTask, { returnWhen: "FIRST_COMPLETED" })
    split = { done: done.length, notDone: notDone.length }
    yield* print("main")
  })) // leaving the scope waits for the two tasks still running

  const expected = ["get page 2s finished", "main", "get page 3s finished", "get page 4s finished"]
  yield* check(
    JSON.stringify(lines) === JSON.stringify(expected),
    `"main" should come right after the first page: expected ${JSON.stringify(expected)}, got ${
      JSON.stringify(lines)
    }`
  )
  yield* check(
    split.done === 1 && split.notDone === 2,
    `wait(FIRST_COMPLETED) should return 1 done, 2 not done; got ${split.done} and ${split.notDone}`
  )
})

NodeRuntime.runMain(program)
