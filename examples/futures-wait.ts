/**
 * Port of the `wait(..., return_when=ALL_COMPLETED)` program of
 * the Chinese tutorial “实现多任务” (`concurrent.futures`
 * section):
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
 * wait(all_task, return_when=ALL_COMPLETED)
 * print("main")
 * ```
 *
 * Times, scaled: one tutorial second → 100 ms (300, 200 and 400 ms).
 *
 * `wait` blocks the main program until every task has finished, so "main"
 * comes last. Expected output (as in the tutorial):
 *
 * ```
 * get page 2s finished
 * get page 3s finished
 * get page 4s finished
 * main
 * ```
 *
 * The `FIRST_COMPLETED` variant the tutorial describes is
 * `futures-wait-first-completed.ts`.
 *
 * Run: `pnpm tsx examples/futures-wait.ts`
 */
import { Executor, wait } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { check, lines, print } from "./support/report.ts"
import { getHtml } from "./support/simulate.ts"

const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make({ maxWorkers: 2 })
  const urls = [3, 2, 4] // not real urls
  const allTask = yield* Effect.forEach(urls, (url) => executor.submit(getHtml(url)))
  const { done, notDone } = yield* wait(allTask, { returnWhen: "ALL_COMPLETED" })
  yield* print("main")

  const expected = ["get page 2s finished", "get page 3s finished", "get page 4s finished", "main"]
  yield* check(
    JSON.stringify(lines) === JSON.stringify(expected),
    `"main" should come after every page: expected ${JSON.stringify(expected)}, got ${JSON.stringify(lines)}`
  )
  yield* check(done.length === 3 && notDone.length === 0, `wait(ALL_COMPLETED) should return 3 done, 0 not done`)
}))

NodeRuntime.runMain(program)
