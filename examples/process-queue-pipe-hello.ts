/**
 * Port of the `Queue` and `Pipe` programs of the Chinese notes
 * “python学习笔记-进程线程” (section on communication between processes):
 *
 * ```python
 * from multiprocessing import Process, Queue, Pipe
 * def f(q):
 *     q.put([42, None, 'hello'])
 * if __name__ == '__main__':
 *     q = Queue()
 *     p = Process(target=f, args=(q,))
 *     p.start()
 *     print(q.get())    # prints "[42, None, 'hello']"
 *     p.join()
 *
 * def f(conn):
 *     conn.send([42, None, 'hello'])
 *     conn.close()
 * if __name__ == '__main__':
 *     parent_conn, child_conn = Pipe()
 *     p = Process(target=f, args=(child_conn,))
 *     p.start()
 *     print(parent_conn.recv())   # prints "[42, None, 'hello']"
 *     p.join()
 * ```
 *
 * The queue (and the pipe) live in the main program; the child gets a
 * handle in its input (`ProcessQueue.schema`, `Pipe.connectionSchema`) and
 * its `put` / `send` travel to them. Values are printed the Python way.
 *
 * Checks: both programs received exactly `[42, None, 'hello']`, and after
 * the child closed its end, the pipe's `recv` fails with `EOFError`.
 *
 * Run: `pnpm tsx examples/process-queue-pipe-hello.ts`
 */
import { Pipe, Process, ProcessQueue } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Schema } from "effect"
import { check, print } from "./support/report.ts"
import { putHello, sendHello } from "./tasks/processes.ts"

const tasks = new URL("./tasks/processes.ts", import.meta.url)

/** Python's `repr` of a list of numbers, `None` and strings. */
const pythonRepr = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(pythonRepr).join(", ")}]`
    : value === null
    ? "None"
    : typeof value === "string"
    ? `'${value}'`
    : String(value)

const program = Effect.scoped(Effect.gen(function*() {
  const q = yield* ProcessQueue.make(Schema.Unknown)
  const p1 = yield* Process.make({ tasks, target: putHello, args: q })
  yield* p1.start
  const fromQueue = pythonRepr(yield* q.get())
  yield* print(fromQueue)
  yield* p1.join()

  const [parentConn, childConn] = yield* Pipe.make(Schema.Unknown)
  const p2 = yield* Process.make({ tasks, target: sendHello, args: childConn })
  yield* p2.start
  const fromPipe = pythonRepr(yield* parentConn.recv())
  yield* print(fromPipe)
  yield* p2.join()

  yield* check(fromQueue === "[42, None, 'hello']", "the queue brought [42, None, 'hello']")
  yield* check(fromPipe === "[42, None, 'hello']", "the pipe brought [42, None, 'hello']")
  const eof = yield* Effect.flip(parentConn.recv())
  yield* check(eof._tag === "EOFError", "recv after the child closed its end fails with EOFError")
}))

NodeRuntime.runMain(program)
