/**
 * Port of the `Pool` program of the Chinese notes “Python之进程与线程” (section
 * "Pool"): five `long_time_task`s on `Pool(4)`:
 *
 * ```python
 * def long_time_task(name):
 *     print('Run task %s (%s)...' % (name,os.getpid()))
 *     start = time.time()
 *     time.sleep(random.random() * 3)
 *     end = time.time()
 *     print('Task %s runs %0.2f seconds.' % (name, (end - start)))
 *
 * if __name__ == '__main__':
 *     print('Parent process %s.' % os.getpid())
 *     p = Pool(4)
 *     for i in range(5):
 *         p.apply_async(long_time_task, args=(i,))
 *     print('Waiting for all subprocess done...')
 *     p.close()
 *     p.join()
 *     print('All subprocesses done.')
 * ```
 *
 * Times, scaled ×0.1: `time.sleep(random.random() * 3)` → a random 0–0.3 s.
 * The pool runs child processes (`runtime: "process"`), as Python's does, so
 * each task prints the pid of its own process; with the default
 * `runtime: "thread"` they would share the parent's pid.
 *
 * Expected output (the tutorial's; pids, times and the order of the worker
 * lines vary):
 *
 * ```
 * Parent process 896.
 * Waiting for all subprocess done...
 * Run task 0 (9728)...
 * Run task 1 (22216)...
 * Run task 2 (20572)...
 * Run task 3 (6844)...
 * Task 0 runs 0.04 seconds.
 * Run task 4 (9728)...
 * Task 4 runs 0.04 seconds.
 * Task 3 runs 0.09 seconds.
 * Task 1 runs 0.12 seconds.
 * Task 2 runs 0.27 seconds.
 * All subprocesses done.
 * ```
 *
 * As the tutorial explains, task 4 waits: the pool has four processes, so
 * it starts only when one of tasks 0–3 has finished, in that process.
 *
 * Checks: all five tasks ran, in child processes other than the parent, on
 * at most four distinct pids; never more than four at once; tasks 0–3 ran
 * in four different processes; task 4 started only after one of the first
 * four had ended; `join` returned after every task had ended.
 *
 * Run: `pnpm tsx examples/pool-long-time-task.ts`
 */
import { Future, Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { checkNow } from "./support/report.ts"
import { longTimeTask } from "./tasks/long-time-task.ts"

const program = Effect.gen(function*() {
  console.log(`Parent process ${process.pid}.`)
  const p = yield* Pool.Pool // p = Pool(4)
  // Python's Pool(4) has forked its four processes when it returns; a Node
  // process takes longer to start, so wait for all four before submitting
  // (otherwise the first ones to start take the first tasks).
  yield* p.awaitReady
  const futures = []
  for (let i = 0; i < 5; i++) {
    futures.push(yield* p.applyAsync(longTimeTask, i))
  }
  console.log("Waiting for all subprocess done...")
  const waitingPrintedAt = Date.now()
  yield* p.close
  yield* p.join
  const joinedAt = Date.now()
  console.log("All subprocesses done.")

  // The futures are complete once join() has returned.
  const runs = yield* Effect.forEach(futures, (future) => Future.result(future))
  checkNow(
    runs.map((run) => run.name).join(",") === "0,1,2,3,4",
    `all five tasks should have run, got ${runs.map((r) => r.name)}`
  )
  const pids = new Set(runs.map((run) => run.pid))
  checkNow(!pids.has(process.pid), "the tasks should run in child processes, not in the parent")
  checkNow(pids.size <= 4, `Pool(4) has four processes, the tasks ran on ${pids.size} pids`)
  const mostAtOnce = Math.max(...runs.map((a) => runs.filter((b) => b.start <= a.start && a.start < b.end).length))
  checkNow(mostAtOnce <= 4, `at most four tasks should run at once on Pool(4), saw ${mostAtOnce}`)
  const firstEnd = Math.min(...runs.slice(0, 4).map((run) => run.end))
  const firstFour = new Set(runs.slice(0, 4).map((run) => run.pid))
  checkNow(
    firstFour.size === 4,
    `tasks 0-3 should each run in its own process (four idle processes), got pids ${[...firstFour]}`
  )
  checkNow(
    runs[4].start >= firstEnd,
    `task 4 should start (at ${runs[4].start}) after one of tasks 0-3 ended (${firstEnd})`
  )
  checkNow(
    waitingPrintedAt <= joinedAt && runs.every((run) => run.end <= joinedAt),
    "join() should return after every task ended"
  )
})

NodeRuntime.runMain(
  program.pipe(
    Effect.provide(
      NodePool.layer({ tasks: new URL("./tasks/long-time-task.ts", import.meta.url), size: 4, runtime: "process" })
    )
  )
)
