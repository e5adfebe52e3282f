/**
 * Port of the `task1(loop)` / `task2(loop)` program of the Chinese tutorial
 * “实现多任务”, which shows that processes do not share a global: two
 * processes each add 1 to `num` 100000 times, and each sees only its own
 * additions (the tutorial's text, as it gives it):
 *
 * ```python
 * import multiprocessing
 * import time
 * def task1(loop):
 *     global num
 *     for i in range(loop):
 *         # 等价于 num += 1
 *         temp = num
 *         num = temp + 1
 *     print(num)
 *     print("I am task1")
 * def task2(loop):
 *     global num
 *     for i in range(loop):
 *         # 等价于 num += 1
 *         temp = num
 *         num = temp + 1
 *     print(num)
 *     print("I am task2")
 * if __name__ == '__main__':
 *     p1 = multiprocessing.Process(target=task1, args=(100000,))
 *     p2 = multiprocessing.Process(target=task2, args=(100000,))
 *     p1.start()
 *     p2.start()
 *     print("I am main task")
 * ```
 *
 * Python's way to share the counter is `multiprocessing.Value('i', 0)`,
 * passed in `args`, read and written as `num.value` — and then the two
 * workers race: `temp = num.value; num.value = temp + 1` is a read and a
 * write, each whole, but another worker can write in between, and its
 * update is lost. Holding `num.get_lock()` around the pair makes it exact:
 *
 * ```python
 * def task1(loop, num):
 *     for i in range(loop):
 *         with num.get_lock():
 *             temp = num.value
 *             num.value = temp + 1
 * ```
 *
 * Here the workers are two worker threads (`Process` with `runtime:
 * "thread"`, really in parallel on two cores) sharing `SharedMemory.value("i",
 * 0)`: first without the lock — the total printed is at most 200000 and
 * usually less, by an amount that depends on timing (it can even come out
 * exact), so it is printed, not checked — then with `num.getLock().withLock`,
 * where the total is exactly 200000.
 *
 * Checks: the unlocked total is at most 200000; the locked total is exactly
 * 200000; every worker exited with 0.
 *
 * Run: `pnpm tsx examples/shared-memory-lost-update.ts`
 */
import { Process, SharedMemory } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check, print } from "./support/report.ts"
import { task1, task2 } from "./tasks/shared.ts"

const tasks = new URL("./tasks/shared.ts", import.meta.url)
const LOOP = 100_000

/** Runs task1 and task2 on a fresh `Value('i', 0)` and returns the total. */
const race = (withLock: boolean) =>
  Effect.scoped(Effect.gen(function*() {
    const num = yield* SharedMemory.value("i", 0) // num = multiprocessing.Value('i', 0)
    const p1 = yield* Process.make({ tasks, target: task1, args: { num, loop: LOOP, withLock }, runtime: "thread" })
    const p2 = yield* Process.make({ tasks, target: task2, args: { num, loop: LOOP, withLock }, runtime: "thread" })
    yield* p1.start
    yield* p2.start
    yield* p1.join()
    yield* p2.join()
    for (const p of [p1, p2]) {
      yield* check(Option.getOrUndefined(yield* p.exitCode) === 0, `${p.name} exited with 0`)
    }
    const total = yield* num.get
    yield* print(`main: ${total}`)
    return total
  }))

const program = Effect.gen(function*() {
  yield* print("--- without the lock: temp = num.value; num.value = temp + 1 ---")
  const unlocked = yield* race(false)
  yield* print(
    unlocked < 2 * LOOP
      ? `${2 * LOOP - unlocked} updates lost`
      : "no update lost this time (it depends on timing)"
  )
  yield* check(unlocked <= 2 * LOOP, `the unlocked total is at most ${2 * LOOP}`)

  yield* print("--- with num.get_lock() → num.getLock().withLock ---")
  const locked = yield* race(true)
  yield* check(locked === 2 * LOOP, `the locked total is exactly ${2 * LOOP}`)
})

NodeRuntime.runMain(program)
