/**
 * Port of the semaphore program of the Chinese notes “python学习笔记-进程线程”
 * (section 9, "Semaphore(信号量)": "a toilet with 3 stalls lets at most 3
 * people in"; the code uses 5):
 *
 * ```python
 * def run(n):
 *     semaphore.acquire()
 *     time.sleep(1)
 *     print("run the thread: %s\n" % n)
 *     semaphore.release()
 * if __name__ == '__main__':
 *     num = 0
 *     semaphore = threading.BoundedSemaphore(5)  # at most 5 threads at once
 *     for i in range(20):
 *         t = threading.Thread(target=run, args=(i,))
 *         t.start()
 * while threading.active_count() != 1:
 *     pass
 * else:
 *     print('----all threads done---')
 *     print(num)
 * ```
 *
 * Times, scaled: `time.sleep(1)` → 200 ms. The 20 runners pass in 4 waves
 * of 5; the program checks that all 20 ran, exactly 5 at a time at most
 * (a count of the runners inside, which load cannot change), and that the
 * semaphore ends with its 5 permits (a bounded semaphore fails on an extra
 * release). The time of the 4 waves (about 4 × 200 ms) is printed, not
 * checked: a busy machine stretches it.
 *
 * Run: `pnpm tsx examples/threading-bounded-semaphore-runners.ts`
 */
import { BoundedSemaphore } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { checkAloud } from "./support/report.ts"

const SECOND = 200

const program = Effect.gen(function*() {
  const num = 0
  const semaphore = yield* BoundedSemaphore.make(5)
  let running = 0
  let peak = 0
  let ran = 0
  const run = (n: number) =>
    Effect.gen(function*() {
      yield* semaphore.acquire()
      running++
      peak = Math.max(peak, running)
      yield* Effect.sleep(SECOND)
      console.log(`run the thread: ${n}`)
      running--
      ran++
      yield* semaphore.release()
    })
  const start = Date.now()
  yield* Effect.all(Array.from({ length: 20 }, (_, i) => run(i)), { concurrency: "unbounded", discard: true })
  const elapsed = Date.now() - start
  console.log("----all threads done---")
  console.log(num)
  console.log(`(the 20 runners took ${elapsed} ms: 4 waves of ${SECOND} ms)`)

  yield* checkAloud(ran === 20, `all 20 runners ran (${ran})`)
  yield* checkAloud(peak === 5, `at most 5 runners at once, and 5 did run at once (peak ${peak})`)
  yield* checkAloud((yield* semaphore.value) === 5, "all 5 permits are back")
  const overRelease = yield* Effect.flip(semaphore.release())
  yield* checkAloud(overRelease._tag === "SemaphoreOverReleaseError", "one release too many is refused")
})

NodeRuntime.runMain(program)
