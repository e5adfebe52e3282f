/**
 * Port of the Timer program of the Chinese notes “python学习笔记-进程线程” (section
 * 10, "Timer"):
 *
 * ```python
 * def hello():
 *     print("hello, world")
 *
 * t = Timer(30.0, hello)
 * t.start()  # after 30 seconds, "hello, world" will be printed
 * ```
 *
 * Times, scaled: 30 s → 300 ms. The notes add that a timer "can be stopped
 * by calling cancel() (before its action starts)": a second timer shows it.
 * The timers live in a scope; leaving it would cancel a timer still waiting.
 *
 * Checks: hello ran exactly once, not before its interval (a timer never
 * fires early, and a busy machine can only make it later, so this bound
 * holds on any machine), and the cancelled timer never ran. The second
 * timer is cancelled right after it starts, in the same step of the main
 * fiber: no amount of load can let it fire first.
 *
 * Run: `pnpm tsx examples/threading-timer-hello.ts`
 */
import { Timer } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Option } from "effect"
import { checkAloud } from "./support/report.ts"

const INTERVAL = 300 // 30 s in the original

const program = Effect.scoped(Effect.gen(function*() {
  let calls = 0
  const hello = Effect.andThen(Console.log("hello, world"), Effect.sync(() => ++calls))

  const start = performance.now()
  const t = yield* Timer.make(INTERVAL, hello) //  t = Timer(30.0, hello)
  yield* t.start //                                t.start()
  console.log(`timer started: "hello, world" in ${INTERVAL} ms`)

  const cancelled = yield* Timer.make(INTERVAL, Console.log("this is never printed"))
  yield* cancelled.start
  yield* cancelled.cancel
  console.log("second timer cancelled while it was waiting")

  const fired = yield* t.join
  const elapsed = Math.round(performance.now() - start)
  yield* checkAloud(Option.isSome(fired) && calls === 1, "hello() ran exactly once")
  yield* checkAloud(elapsed >= INTERVAL * 0.95, `it ran after the interval (${elapsed} ms)`)
  yield* checkAloud(Option.isNone(yield* cancelled.join), "the cancelled timer never ran")
}))

NodeRuntime.runMain(program)
