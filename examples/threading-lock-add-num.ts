/**
 * Port of the mutex program of the Chinese notes “python学习笔记-进程线程” (section
 * 7, "线程锁(互斥锁Mutex)"): 100 threads each read a global `num`, sleep 1 s, and
 * subtract 1; first without a lock ("未加锁版本", which the notes say goes wrong
 * on Python 2.7), then with `threading.Lock` ("加锁版本").
 *
 * ```python
 * def addNum():
 *     global num                 # every thread uses the global
 *     print('--get num:', num)
 *     time.sleep(1)
 *     lock.acquire()             # (only in the locked version)
 *     num -= 1                   # subtract 1 from the shared variable
 *     lock.release()
 * num = 100
 * thread_list = []
 * lock = threading.Lock()
 * for i in range(100):
 *     t = threading.Thread(target=addNum)
 *     t.start()
 *     thread_list.append(t)
 * for t in thread_list:          # wait for every thread
 *     t.join()
 * print('final num:', num)
 * ```
 *
 * Times, scaled: `time.sleep(1)` → 100 ms. `num -= 1` is a read, a
 * subtraction and a write; a fiber only switches where it yields, so the
 * port yields between the read and the write, the point where a Python 2
 * thread could lose the GIL. Unlocked, the 100 decrements overwrite each
 * other and `num` ends well above 0; with the lock it ends at exactly 0.
 *
 * Run: `pnpm tsx examples/threading-lock-add-num.ts`
 */
import { Lock } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { checkAloud } from "./support/report.ts"

const SECOND = 100
const THREADS = 100

const run = (lock: Lock.Lock | undefined) =>
  Effect.gen(function*() {
    let num = 100
    let printed = 0
    const decrement = Effect.gen(function*() {
      const read = num
      yield* Effect.yieldNow // the thread is switched out in the middle of `num -= 1`
      num = read - 1
    })
    const addNum = Effect.gen(function*() {
      if (printed++ < 3) console.log("--get num:", num)
      yield* Effect.sleep(SECOND)
      yield* lock === undefined ? decrement : Lock.withLock(lock)(decrement)
    })
    yield* Effect.all(Array.from({ length: THREADS }, () => addNum), { concurrency: "unbounded", discard: true })
    console.log(`(... ${THREADS - 3} more '--get num:' lines)`)
    console.log("final num:", num)
    return num
  })

const program = Effect.gen(function*() {
  console.log("--- 未加锁版本 (no lock) ---")
  const unlocked = yield* run(undefined)
  console.log("--- 加锁版本 (with lock) ---")
  const locked = yield* run(yield* Lock.make())
  yield* checkAloud(unlocked > 0, `without the lock decrements were lost (final num ${unlocked} > 0)`)
  yield* checkAloud(locked === 0, "with the lock the final num is exactly 0")
})

NodeRuntime.runMain(program)
