/**
 * Port of the `threading.current_thread()` program of
 * the Chinese notes “Python之进程与线程” (after Liao Xuefeng's tutorial,
 * section 多线程):
 *
 * ```python
 * import time, threading
 * # the new thread's code
 * def loop():
 *     print('thread %s is running...' % threading.current_thread().name)
 *     n = 0
 *     while n < 5:
 *         n = n + 1
 *         print('thread %s >>> %s' % (threading.current_thread().name, n))
 *         time.sleep(1)
 *     print('thread %s ended.' % threading.current_thread().name)
 *
 * print('thread %s is running...' % threading.current_thread().name)
 * t = threading.Thread(target=loop, name='LoopThread')
 * t.start()
 * t.join()
 * print('thread %s ended.' % threading.current_thread().name)
 * ```
 *
 * Times, scaled: `time.sleep(1)` → 100 ms (5 rounds, as in Python).
 *
 * Expected output (as in the tutorial):
 *
 * ```
 * thread MainThread is running...
 * thread LoopThread is running...
 * thread LoopThread >>> 1
 * …
 * thread LoopThread >>> 5
 * thread LoopThread ended.
 * thread MainThread ended.
 * ```
 *
 * `threading.current_thread().name` is `Executor.currentTaskName`: the
 * name a task was submitted with (`Option.some`), `Option.none()` outside
 * any named task — printed as `MainThread`, Python's name for the main
 * thread.
 *
 * Run: `pnpm tsx examples/threads-current-thread-name.ts`
 */
import { Executor, Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check, lines, print } from "./support/report.ts"

const SECOND = 100 // one second of the tutorial, in milliseconds here

// threading.current_thread().name
const currentThreadName = Effect.map(Executor.currentTaskName, Option.getOrElse(() => "MainThread"))

// the new task's code
const loop = Effect.gen(function*() {
  const name = yield* currentThreadName
  yield* print(`thread ${name} is running...`)
  let n = 0
  while (n < 5) {
    n = n + 1
    yield* print(`thread ${yield* currentThreadName} >>> ${n}`)
    yield* Effect.sleep(1 * SECOND)
  }
  yield* print(`thread ${yield* currentThreadName} ended.`)
})

const program = Effect.scoped(Effect.gen(function*() {
  yield* print(`thread ${yield* currentThreadName} is running...`)
  const executor = yield* Executor.make()
  const t = yield* executor.submit(loop, { name: "LoopThread" })
  yield* Future.join(t)
  yield* print(`thread ${yield* currentThreadName} ended.`)

  const expected = [
    "thread MainThread is running...",
    "thread LoopThread is running...",
    ...[1, 2, 3, 4, 5].map((n) => `thread LoopThread >>> ${n}`),
    "thread LoopThread ended.",
    "thread MainThread ended."
  ]
  yield* check(
    JSON.stringify(lines) === JSON.stringify(expected),
    `expected ${JSON.stringify(expected)}, got ${JSON.stringify(lines)}`
  )
}))

NodeRuntime.runMain(program)
