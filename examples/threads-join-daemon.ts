/**
 * Port of the "Join & Daemon" program of the Chinese notes “python学习笔记-进程线程”
 * (section 6):
 *
 * ```python
 * import time
 * import threading
 * def run(n):
 *     print('[%s]------running----\n' % n)
 *     time.sleep(2)
 *     print('--done--')
 * def main():
 *     for i in range(5):
 *         t = threading.Thread(target=run, args=[i,])
 *         t.start()
 *         t.join(1)
 *         print('starting thread', t.getName())
 * m = threading.Thread(target=main, args=[])
 * m.setDaemon(True)  # m is a daemon: when the main thread exits, m and the
 *                    # threads it started exit too, finished or not
 * m.start()
 * m.join(timeout=2)
 * print("---main thread done----")
 * ```
 *
 * Times, scaled: one tutorial second → 100 ms (`time.sleep(2)` → 200 ms,
 * `t.join(1)` → 100 ms, `m.join(timeout=2)` → 200 ms).
 *
 * The main program waits 2 s for `m`, then prints and exits; `m` is a daemon,
 * so it and the threads it started (daemons too, as Python's threads inherit
 * `daemon` from the thread that creates them) are stopped on the spot: only
 * two of the five `run` threads ever start. Expected output (the `--done--`
 * of thread 0, due at the same instant as the main line, may or may not
 * make it, in Python as here):
 *
 * ```
 * [0]------running----
 *
 * starting thread Thread-2
 * [1]------running----
 *
 * ---main thread done----
 * ```
 *
 * `daemon=True` is `submit(effect, { daemon: true })`: closing the
 * executor's scope interrupts daemon tasks instead of waiting for them.
 * `join(timeout)` (which just returns when the time is up) is
 * `wait([future], { timeout })`.
 *
 * Checks, on the printed lines and the tasks' futures (not the clock):
 * thread 0 started and its `join(1)` timed out before the main line; fewer
 * than five `run` threads ever started; and when the program has exited,
 * `m` and every thread it started are over — `m`, which needs 5 s to run
 * its loop, was stopped (cancelled), not waited for.
 *
 * Run: `pnpm tsx examples/threads-join-daemon.ts`
 */
import { Executor, Future, wait } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { check, lines, print } from "./support/report.ts"

const SECOND = 100 // one second of the tutorial, in milliseconds here

// Python's thread.join(timeout): wait at most `timeout`, then go on.
const joinWithin = <A, E>(future: Future.Future<A, E>, timeout: number) => wait([future], { timeout })

const program = Effect.gen(function*() {
  let threads = 1 // Python numbers threads from 1: m is Thread-1
  let m: Future.Future<void, unknown> | undefined
  const started: Array<Future.Future<void>> = []
  yield* Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make()

    const run = (n: number) =>
      Effect.gen(function*() {
        yield* print(`[${n}]------running----\n`)
        yield* Effect.sleep(2 * SECOND)
        yield* print("--done--")
      })

    const main = Effect.gen(function*() {
      for (let i = 0; i < 5; i++) {
        // started by a daemon, so a daemon too
        const t = yield* executor.submit(run(i), { name: `Thread-${++threads}`, daemon: true })
        started.push(t)
        yield* joinWithin(t, 1 * SECOND)
        yield* print(`starting thread ${t.name}`)
      }
    })

    m = yield* executor.submit(main, { name: "Thread-1", daemon: true })
    yield* joinWithin(m, 2 * SECOND)
    yield* print("---main thread done----")
  })) // the main program exits: the daemon tasks still running are stopped

  const running = lines.filter((line) => line.includes("------running----"))
  yield* check(
    lines.includes("[0]------running----\n") && lines.includes("starting thread Thread-2"),
    "thread 0 should start and its join(1) time out"
  )
  yield* check(
    running.length >= 1 && running.length < 5,
    `the main program should exit after 2 s, stopping the daemon before all 5 threads start (started ${running.length})`
  )
  yield* check(
    lines.indexOf("---main thread done----") >= 2,
    "the main line should come after the first threads' lines"
  )
  yield* check(
    Future.isDoneUnsafe(m!) && started.every(Future.isDoneUnsafe),
    "every daemon task should be stopped when the program exits"
  )
  yield* check(
    yield* Future.cancelled(m!),
    "the program should exit without waiting for the daemon m (it should be stopped, not finish its 5 s loop)"
  )
})

NodeRuntime.runMain(program)
