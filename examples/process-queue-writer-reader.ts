/**
 * Port of the writer / reader `Queue` program of the Chinese tutorial
 * “Python之进程与线程”:
 *
 * ```python
 * from multiprocessing import Process, Queue
 * import os, time, random
 * def write(q):
 *     print('Process to write: %s' % os.getpid())
 *     for value in ['A', 'B', 'C']:
 *         print('Put %s to queue...' % value)
 *         q.put(value)
 *         time.sleep(random.random())
 * def read(q):
 *     print('Process to read: %s' % os.getpid())
 *     while True:
 *         value = q.get(True)
 *         print('Get %s from queue.' % value)
 * if __name__ == '__main__':
 *     q = Queue()
 *     pw = Process(target=write, args=(q,))
 *     pr = Process(target=read, args=(q,))
 *     pw.start()
 *     pr.start()
 *     pw.join()
 *     pr.terminate()   # pr loops forever: it can only be stopped
 * ```
 *
 * One tutorial second is 100 ms. The reader also forwards what it gets to a
 * second queue, which the main program reads before terminating it (Python
 * terminates it at once, and may stop it before it printed the last value);
 * when it is terminated the reader waits in `q.get`, and its wait ends
 * without taking anything from the queue.
 *
 * Checks: the reader got A, B, C in that order, the queue is empty after
 * it was terminated, the writer exited with 0, the reader was terminated
 * (−15).
 *
 * Run: `pnpm tsx examples/process-queue-writer-reader.ts`
 */
import { Process, ProcessQueue } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option, Schema } from "effect"
import { check } from "./support/report.ts"
import { read, write } from "./tasks/processes.ts"

const tasks = new URL("./tasks/processes.ts", import.meta.url)

const program = Effect.scoped(Effect.gen(function*() {
  const q = yield* ProcessQueue.make(Schema.String)
  const seen = yield* ProcessQueue.make(Schema.String)
  const pw = yield* Process.make({ tasks, target: write, args: q })
  const pr = yield* Process.make({ tasks, target: read, args: { q, seen } })
  yield* pw.start
  yield* pr.start
  yield* pw.join()
  const got: Array<string> = []
  for (let i = 0; i < 3; i++) got.push(yield* seen.get({ timeout: "30 seconds" }))
  yield* pr.terminate
  yield* pr.join()
  yield* check(got.join("") === "ABC", `the reader got A, B, C in order (got ${got})`)
  yield* check(yield* q.empty, "nothing is left in the queue")
  yield* check(Option.getOrUndefined(yield* pw.exitCode) === 0, "the writer exited with 0")
  yield* check(Option.getOrUndefined(yield* pr.exitCode) === -15, "the reader was terminated")
}))

NodeRuntime.runMain(program)
