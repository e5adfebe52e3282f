/**
 * Port of the `args` / `kwargs` programs of the Chinese tutorial “实现多任务”:
 *
 * ```python
 * import multiprocessing
 * def task(a, b, *args, **kwargs):
 *     print("a"); print("b"); print(args); print(kwargs)
 * if __name__ == '__main__':
 *     p1 = multiprocessing.Process(target=task, args=(1, 2, 3, 4, 5, 6),
 *                                  kwargs={"name": "chichung", "age": 23})
 *     p1.start()
 *     print("p1子进程的名字:%s" % p1.name)
 *     print("p1子进程的id:%d" % p1.pid)
 *     p1.join()
 *     print(p1.is_alive())
 * ```
 *
 * A task takes one input: Python's positional and keyword arguments become
 * the fields of a struct (`{ a, b, args, kwargs }`), checked by the task's
 * schema before the process starts. The first program of the tutorial (the
 * same without `join`) ends with "主进程已经运行完最后一行代码啦" ("the main
 * process has run its last line") printed before the child's lines: the
 * main program does not wait for `p1` until its end.
 *
 * Checks: the process is named `Process-1` (Python's default name), was
 * alive once started, is not after `join`, and exited with 0.
 *
 * Run: `pnpm tsx examples/process-args-kwargs.ts`
 */
import { Process } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check, print } from "./support/report.ts"
import { taskWithArgs } from "./tasks/processes.ts"

const program = Effect.scoped(Effect.gen(function*() {
  const p1 = yield* Process.make({
    tasks: new URL("./tasks/processes.ts", import.meta.url),
    target: taskWithArgs,
    args: { a: 1, b: 2, args: [3, 4, 5, 6], kwargs: { name: "chichung", age: 23 } }
  })
  yield* p1.start
  const alive = yield* p1.isAlive
  yield* print(`p1子进程的名字:${p1.name}`)
  yield* print(`p1子进程的id:${Option.getOrThrow(yield* p1.pid)}`)
  yield* p1.join()
  const stillAlive = yield* p1.isAlive
  yield* print(stillAlive ? "True" : "False")
  yield* check(p1.name === "Process-1", "the process has Python's default name")
  yield* check(alive && !stillAlive, "alive once started, not after join")
  yield* check(Option.getOrUndefined(yield* p1.exitCode) === 0, "the task ran and exited with 0")
}))

NodeRuntime.runMain(program)
