/**
 * Port of the `CustomProcess` program of the Chinese tutorial “实现多任务”:
 *
 * ```python
 * from multiprocessing import Process
 * import os
 * class CustomProcess(Process):
 *     def __init__(self, p_name, target=None):
 *         super(CustomProcess, self).__init__(name=p_name, target=target, args=(p_name,))
 *     def run(self):
 *         print("Custom Process name: %s, pid: %s " % (self.name, os.getpid()))
 * if __name__ == '__main__':
 *     p1 = CustomProcess("process_1")
 *     p1.start()
 *     p1.join()
 *     print("subprocess pid: %s" % p1.pid)
 *     print("current process pid: %s" % os.getpid())
 * ```
 *
 * A subclass overriding `run` is a named task here: the process gets the
 * name (`name: "process_1"`) and the task reads it in the child with
 * `Process.current` (Python's `self.name`, `os.getpid()`).
 *
 * Checks: the child saw its own name (else it fails, and its exit code is
 * 1), it exited with 0, and its pid is not the main program's.
 *
 * Run: `pnpm tsx examples/process-custom-process.ts`
 */
import { Process } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check, print } from "./support/report.ts"
import { customRun } from "./tasks/processes.ts"

const program = Effect.scoped(Effect.gen(function*() {
  const p1 = yield* Process.make({
    tasks: new URL("./tasks/processes.ts", import.meta.url),
    target: customRun,
    args: "process_1",
    name: "process_1"
  })
  yield* p1.start
  yield* p1.join()
  const pid = Option.getOrThrow(yield* p1.pid)
  const me = yield* Process.current
  yield* print(`subprocess pid: ${pid}`)
  yield* print(`current process pid: ${me.pid}`)
  yield* check(Option.getOrUndefined(yield* p1.exitCode) === 0, "the custom process ran and exited with 0")
  yield* check(pid !== me.pid, "the subprocess has a pid of its own")
}))

NodeRuntime.runMain(program)
