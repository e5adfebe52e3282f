/**
 * Port of the "divide and conquer" programs of the Russian tutorial
 * “Процессы и потоки” ("Используйте несколько процессов, чтобы «разделять и
 * побеждать» сложные задачи"): the sum of 1..100,000,000, first in one
 * process, then split into 8 slices summed by 8 processes:
 *
 * ```python
 * from time import time
 * def main():
 *     total = 0
 *     number_list = [x for x in range(1, 100000001)]
 *     start = time()
 *     for number in number_list:
 *         total += number
 *     print(total)
 *     end = time()
 *     print('Execution time: %.3fs' % (end - start))
 * ```
 *
 * ```python
 * from multiprocessing import Process, Queue
 * from random import randint
 * from time import time
 * def task_handler(curr_list, result_queue):
 *     total = 0
 *     for number in curr_list:
 *         total += number
 *     result_queue.put(total)
 * def main():
 *     processes = []
 *     number_list = [x for x in range(1, 100000001)]
 *     result_queue = Queue()
 *     index = 0
 *     # 启动8个进程将数据切片后进行运算
 *     for _ in range(8):
 *         p = Process(target=task_handler,
 *                     args=(number_list[index:index + 12500000], result_queue))
 *         index += 12500000
 *         processes.append(p)
 *         p.start()
 *     # 开始记录所有进程执行完成花费的时间
 *     start = time()
 *     for p in processes:
 *         p.join()
 *     # 合并执行结果
 *     total = 0
 *     while not result_queue.empty():
 *         total += result_queue.get()
 *     print(total)
 *     end = time()
 *     print('Execution time: ', (end - start), 's', sep='')
 * ```
 *
 * Sizes: as in the tutorial (1..100,000,000 in 8 slices of 12,500,000),
 * about 85 ms on one core here (the tutorial's MacBook: ≈ 6 s for the
 * single process, < 1 s with 8). Two changes: the numbers are not put in a
 * list (a slice is sent as its bounds, `{ from, to }`, not as 12,500,000
 * numbers to copy), and the 8 slices go to a pool with one worker per core
 * (`pool.map(sumSlice, slices)`; 8 processes on fewer cores only take
 * turns). Like the tutorial, the timing starts once the workers have
 * started (`pool.awaitReady`). Both programs run three rounds, one
 * after the other, and the best times give the speedup.
 *
 * Expected output (times vary; the speedup approaches the number of cores):
 *
 * ```
 * Round 1:
 * 5000000050000000
 * Execution time: 0.085s   (one thread)
 * 5000000050000000
 * Execution time: 0.046s   (8 slices on 2 workers)
 * ...
 * Best of 3: 0.085s on one thread, 0.045s on the pool: speedup 1.89× with 2 workers (2 cores)
 * ```
 *
 * Checks: both totals equal n(n+1)/2 = 5,000,000,050,000,000 (every slice
 * was summed once); the slices were summed off the main thread, spread over
 * the pool's workers (each slice reports its worker's thread id), and with
 * two workers or more, in at least one round two slices were being summed
 * at the same instant (from the times the slices report). The speedup is
 * printed, not checked: it depends on what else the machine runs
 * (`bench/` measures the pool's speed).
 *
 * Run: `pnpm tsx examples/pool-sum-8-slices.ts`
 */
import { Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { availableParallelism } from "node:os"
import { mostAtOnce } from "./support/concurrency.ts"
import { checkNow } from "./support/report.ts"
import { seconds } from "./support/simulate.ts"
import { sumRange, sumSlice } from "./tasks/sum.ts"

const N = 100_000_000
const SLICES = 8
const ROUNDS = 3 // the machine is shared: the best of three rounds is printed
const EXPECTED = (N * (N + 1)) / 2 // 5,000,000,050,000,000 < 2^53: exact in a double

const slices = Array.from({ length: SLICES }, (_, k) => ({
  from: 1 + k * (N / SLICES),
  to: 1 + (k + 1) * (N / SLICES)
}))

const program = Effect.gen(function*() {
  const pool = yield* Pool.Pool
  yield* pool.awaitReady
  const singles: Array<number> = []
  const pooled: Array<number> = []
  const threadsUsed = new Set<number>()
  const mostSlicesAtOnce: Array<number> = []
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`Round ${round}:`)
    // The first program: one process (here: the main thread).
    let start = performance.now()
    const single = sumRange(1, N + 1)
    singles.push(performance.now() - start)
    console.log(single)
    console.log(`Execution time: ${seconds(singles[round - 1])}s   (one thread)`)
    checkNow(single === EXPECTED, `the single-thread sum should be ${EXPECTED}, got ${single}`)

    // The second program: the 8 slices on the pool.
    start = performance.now()
    const parts = yield* pool.map(sumSlice, slices)
    let total = 0
    for (const part of parts) total += part.value
    for (const part of parts) threadsUsed.add(part.threadId)
    mostSlicesAtOnce.push(mostAtOnce(parts))
    pooled.push(performance.now() - start)
    console.log(total)
    console.log(`Execution time: ${seconds(pooled[round - 1])}s   (${SLICES} slices on ${pool.size} workers)`)
    checkNow(total === EXPECTED, `the sum of the ${SLICES} slices should be ${EXPECTED}, got ${total}`)
  }
  const best = (times: Array<number>) => Math.min(...times)
  console.log(
    `Best of ${ROUNDS}: ${seconds(best(singles))}s on one thread, ${seconds(best(pooled))}s on the pool: speedup ${
      (best(singles) / best(pooled)).toFixed(2)
    }× with ${pool.size} workers (${availableParallelism()} cores)`
  )
  checkNow(!threadsUsed.has(0), "the slices should be summed off the main thread")
  const spread = Math.min(pool.size, SLICES)
  checkNow(
    threadsUsed.size === spread,
    `the slices should be spread over ${spread} workers, ran on threads [${[...threadsUsed]}]`
  )
  checkNow(
    pool.size < 2 || mostSlicesAtOnce.some((n) => n >= 2),
    `with ${pool.size} workers, two slices should be summed at the same instant in at least one of ${ROUNDS} rounds (most at once per round: ${mostSlicesAtOnce})`
  )
})

NodeRuntime.runMain(program.pipe(Effect.provide(NodePool.layer({ tasks: new URL("./tasks/sum.ts", import.meta.url) }))))
