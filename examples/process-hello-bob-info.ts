/**
 * Port of the `f('bob')` programs of the Chinese notes
 * “python学习笔记-进程线程” (section 14):
 *
 * ```python
 * from multiprocessing import Process
 * import time
 * def f(name):
 *     time.sleep(2)
 *     print('hello', name)
 * if __name__ == '__main__':
 *     p = Process(target=f, args=('bob',))
 *     p.start()
 *     p.join()
 *
 * # with the pids of the processes involved:
 * import os
 * def info(title):
 *     print(title)
 *     print('module name:', __name__)
 *     print('parent process:', os.getppid())
 *     print('process id:', os.getpid())
 *     print("\n\n")
 * def f(name):
 *     info('\033[31;1mfunction f\033[0m')
 *     print('hello', name)
 * if __name__ == '__main__':
 *     info('\033[32;1mmain process line\033[0m')
 *     p = Process(target=f, args=('bob',))
 *     p.start()
 *     p.join()
 * ```
 *
 * `os.getppid()` and `os.getpid()` are `Process.current`. In the child,
 * `__name__` is the tasks module's name (Python's is the script's module
 * name, `__mp_main__`); in the main program it is `__main__`.
 *
 * Checks: the child's parent is this program (else the task fails: exit
 * code 1), and it exited with 0.
 *
 * Run: `pnpm tsx examples/process-hello-bob-info.ts`
 */
import { Process } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check } from "./support/report.ts"
import { helloInfo, info } from "./tasks/processes.ts"

const program = Effect.scoped(Effect.gen(function*() {
  const me = yield* info("\x1b[32;1mmain process line\x1b[0m")
  const p = yield* Process.make({
    tasks: new URL("./tasks/processes.ts", import.meta.url),
    target: helloInfo,
    args: { name: "bob", parent: me.pid }
  })
  yield* p.start
  yield* p.join()
  yield* check(Option.getOrUndefined(yield* p.exitCode) === 0, "f('bob') ran in a child of this program")
}))

NodeRuntime.runMain(program)
