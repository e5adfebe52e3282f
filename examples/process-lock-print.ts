/**
 * Port of the process `Lock` program of the Chinese notes
 * “python学习笔记-进程线程” (section 17):
 *
 * ```python
 * from multiprocessing import Process, Lock
 * def f(l, i):
 *     l.acquire()
 *     try:
 *         print('hello world', i)
 *     finally:
 *         l.release()
 * if __name__ == '__main__':
 *     lock = Lock()
 *     for num in range(10):
 *         Process(target=f, args=(lock, num)).start()
 * ```
 *
 * Ten processes print while holding one lock the main program made
 * (`lock.withLock` is Python's `acquire` / `try` / `finally: release`); at
 * the end of the main program they are waited for, as in Python.
 *
 * Checks: every process exited with 0 (each printed its line holding the
 * lock: none waited forever, none failed).
 *
 * Run: `pnpm tsx examples/process-lock-print.ts`
 */
import { Process, ProcessSync } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check } from "./support/report.ts"
import { helloLocked } from "./tasks/processes.ts"

const program = Effect.gen(function*() {
  const processes = yield* Effect.scoped(Effect.gen(function*() {
    const lock = yield* ProcessSync.lock()
    const processes = []
    for (let num = 0; num < 10; num++) {
      const p = yield* Process.make({
        tasks: new URL("./tasks/processes.ts", import.meta.url),
        target: helloLocked,
        args: { l: lock, i: num }
      })
      yield* p.start
      processes.push(p)
    }
    // The end of the scope waits for the processes (they are not daemons).
    return processes
  }))
  for (const p of processes) yield* check(Option.getOrUndefined(yield* p.exitCode) === 0, `${p.name} exited with 0`)
})

NodeRuntime.runMain(program)
