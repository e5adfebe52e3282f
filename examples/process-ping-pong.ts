/**
 * Port of the Ping / Pong program of the Russian tutorial (its
 * multiprocessing section), and of the fix it suggests:
 *
 * ```python
 * from multiprocessing import Process
 * from time import sleep
 * counter = 0
 * def sub_task(string):
 *     global counter
 *     while counter < 10:
 *         print(string, end='', flush=True)
 *         counter += 1
 *         sleep(0.01)
 * def main():
 *     Process(target=sub_task, args=('Ping', )).start()
 *     Process(target=sub_task, args=('Pong', )).start()
 * ```
 *
 * The tutorial's point: each process has its own `counter`, so Ping and
 * Pong are each printed 10 times, not 10 in all; the way out is a `Queue`
 * the processes share. Here the fix keeps the counter in a `ProcessQueue`:
 * a process takes it, prints, and puts it back plus one.
 *
 * Checks (each process reports how many times it printed): 20 prints in
 * all as written (10 each), 10 in all with the shared counter.
 *
 * Run: `pnpm tsx examples/process-ping-pong.ts`
 */
import { Process, ProcessQueue } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Schema } from "effect"
import { check, print } from "./support/report.ts"
import { subTask, subTaskShared } from "./tasks/processes.ts"

const tasks = new URL("./tasks/processes.ts", import.meta.url)

const program = Effect.gen(function*() {
  const asWritten = yield* Effect.scoped(Effect.gen(function*() {
    const printed = yield* ProcessQueue.make(Schema.Number)
    for (const string of ["Ping", "Pong"]) {
      const p = yield* Process.make({ tasks, target: subTask, args: { string, printed } })
      yield* p.start
      yield* Effect.addFinalizer(() => Effect.orDie(p.join()))
    }
    return (yield* printed.get()) + (yield* printed.get())
  }))
  yield* print("")
  const shared = yield* Effect.scoped(Effect.gen(function*() {
    const counter = yield* ProcessQueue.make(Schema.Number)
    const printed = yield* ProcessQueue.make(Schema.Number)
    yield* counter.put(0)
    for (const string of ["Ping", "Pong"]) {
      const p = yield* Process.make({ tasks, target: subTaskShared, args: { string, counter, printed } })
      yield* p.start
      yield* Effect.addFinalizer(() => Effect.orDie(p.join()))
    }
    return (yield* printed.get()) + (yield* printed.get())
  }))
  yield* print("")
  yield* check(asWritten === 20, `as written, each process counts to 10 on its own (${asWritten} prints)`)
  yield* check(shared === 10, `with the counter in a shared queue, 10 prints in all (${shared})`)
})

NodeRuntime.runMain(program)
