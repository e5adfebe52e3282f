/**
 * Port of the 8-process sum with a result `Queue` of the Russian tutorial
 * (as it writes it, beside the pool version `pool-sum-8-slices.ts`):
 *
 * ```python
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
 *     for _ in range(8):
 *         p = Process(target=task_handler, args=(number_list[index:index + 12500000], result_queue))
 *         index += 12500000
 *         processes.append(p)
 *         p.start()
 *     start = time()
 *     for p in processes:
 *         p.join()
 *     total = 0
 *     while not result_queue.empty():
 *         total += result_queue.get()
 *     print(total)
 *     end = time()
 *     print('Execution time: ', (end - start), 's', sep='')
 * ```
 *
 * Each process gets its slice as a range (`{ from, to }`) rather than a
 * list of 12,500,000 numbers: sending the numbers themselves would copy
 * 100 MB to the children for nothing.
 *
 * Checks: the total is 5000000050000000, summed from 8 results.
 *
 * Run: `pnpm tsx examples/process-sum-8-result-queue.ts`
 */
import { Process, ProcessQueue } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Schema } from "effect"
import { check, print } from "./support/report.ts"
import { sumSlice } from "./tasks/processes.ts"

const program = Effect.scoped(Effect.gen(function*() {
  const results = yield* ProcessQueue.make(Schema.Number)
  const processes = []
  let index = 1
  for (let k = 0; k < 8; k++) {
    const p = yield* Process.make({
      tasks: new URL("./tasks/processes.ts", import.meta.url),
      target: sumSlice,
      args: { from: index, to: index + 12_500_000, results }
    })
    index += 12_500_000
    processes.push(p)
    yield* p.start
  }
  const start = performance.now()
  for (const p of processes) yield* p.join()
  let total = 0
  let count = 0
  while (!(yield* results.empty)) {
    total += yield* results.get()
    count++
  }
  yield* print(String(total))
  yield* print(`Execution time: ${((performance.now() - start) / 1000).toFixed(3)}s`)
  yield* check(total === 5000000050000000 && count === 8, "the 8 results add up to the sum of 1..100,000,000")
}))

NodeRuntime.runMain(program)
