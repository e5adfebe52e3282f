/**
 * Port of the `g_list` program of the Chinese tutorial “实现多任务”, showing
 * that processes do not share global variables:
 *
 * ```python
 * import multiprocessing
 * g_list = [123]
 * def task1():
 *     g_list.append("task1"); print(g_list)
 * def task2():
 *     g_list.append("task2"); print(g_list)
 * def main_process():
 *     g_list.append("main_processs"); print(g_list)
 * if __name__ == '__main__':
 *     p1 = multiprocessing.Process(target=task1)
 *     p2 = multiprocessing.Process(target=task2)
 *     p1.start(); p2.start()
 *     main_process()
 *     print("11111: ", g_list)
 * ```
 *
 * Each child imports the tasks module afresh, so each has its own `g_list`
 * (`[123, 'task1']`, `[123, 'task2']`), and the main program's list holds
 * only its own item.
 *
 * Checks: each child saw only its own item in its list (else it fails:
 * exit code 1), and the main program's list is `[123, 'main_processs']`.
 *
 * Run: `pnpm tsx examples/process-g-list.ts`
 */
import { Process } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check, print } from "./support/report.ts"
import { appendToGList } from "./tasks/processes.ts"

const gList: Array<string | number> = [123]
const show = (list: ReadonlyArray<string | number>) =>
  `[${list.map((x) => (typeof x === "string" ? `'${x}'` : x)).join(", ")}]`

const program = Effect.scoped(Effect.gen(function*() {
  const tasks = new URL("./tasks/processes.ts", import.meta.url)
  const p1 = yield* Process.make({ tasks, target: appendToGList, args: "task1" })
  const p2 = yield* Process.make({ tasks, target: appendToGList, args: "task2" })
  yield* p1.start
  yield* p2.start
  gList.push("main_processs") // main_process()
  yield* print(show(gList))
  yield* print(`11111:  ${show(gList)}`)
  yield* p1.join()
  yield* p2.join()
  for (const p of [p1, p2]) {
    yield* check(Option.getOrUndefined(yield* p.exitCode) === 0, `${p.name} saw only its own item`)
  }
  yield* check(show(gList) === "[123, 'main_processs']", "the main program's g_list holds only its own item")
}))

NodeRuntime.runMain(program)
