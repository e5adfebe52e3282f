/**
 * Port of the `task1` / `task2` daemon programs of the Chinese tutorial
 * “实现多任务” (its `multiprocessing.Process` section):
 *
 * ```python
 * import multiprocessing, time
 * def task1():
 *     i = 1
 *     while i < 5:
 *         time.sleep(1); i += 1; print("I am task1")
 * def task2():
 *     while True:
 *         time.sleep(2); print("I am task2")
 * if __name__ == '__main__':
 *     p1 = multiprocessing.Process(target=task1)
 *     p2 = multiprocessing.Process(target=task2)
 *     p2.daemon = True      # the first program makes both daemons (and both loop forever)
 *     p1.start(); p2.start()
 *     print("I am main task")
 * ```
 *
 * When the main program ends, Python terminates its daemon processes and
 * waits for the others: with both daemons, only "I am main task" is printed;
 * with `p1` not a daemon, the program waits for its four rounds ("I am
 * task1" × 4) while `p2`, a daemon, is terminated at once. Here the end of
 * the main program is the end of the scope that made the processes. One
 * tutorial second is 100 ms.
 *
 * Checks, on the exit codes (not the clock): in the first program both
 * processes were terminated (−15, SIGTERM); in the second `p1` ended by
 * itself (0) after the main line, and `p2` was terminated (−15).
 *
 * Run: `pnpm tsx examples/process-task1-task2-daemon.ts`
 */
import { Process } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check, print } from "./support/report.ts"
import { task1, task2 } from "./tasks/processes.ts"

const tasks = new URL("./tasks/processes.ts", import.meta.url)

const program = Effect.gen(function*() {
  yield* print("--- p1 and p2 daemons ---")
  const [a1, a2] = yield* Effect.scoped(Effect.gen(function*() {
    const p1 = yield* Process.make({ tasks, target: task1, args: {}, daemon: true })
    const p2 = yield* Process.make({ tasks, target: task2, args: {}, daemon: true })
    yield* p1.start
    yield* p2.start
    yield* print("I am main task")
    return [p1, p2] as const
  }))
  yield* check(Option.getOrUndefined(yield* a1.exitCode) === -15, "daemon p1 was terminated at the end")
  yield* check(Option.getOrUndefined(yield* a2.exitCode) === -15, "daemon p2 was terminated at the end")

  yield* print("--- p1 not a daemon, p2 a daemon ---")
  const [b1, b2] = yield* Effect.scoped(Effect.gen(function*() {
    const p1 = yield* Process.make({ tasks, target: task1, args: { times: 4 } })
    const p2 = yield* Process.make({ tasks, target: task2, args: {}, daemon: true })
    yield* p1.start
    yield* p2.start
    yield* print("I am main task")
    return [p1, p2] as const
  }))
  yield* check(Option.getOrUndefined(yield* b1.exitCode) === 0, "p1 was waited for and ended by itself")
  yield* check(Option.getOrUndefined(yield* b2.exitCode) === -15, "daemon p2 was terminated at the end")
})

NodeRuntime.runMain(program)
