/**
 * Port of the baozi (steamed bun) producer/consumer program of the Chinese
 * notes “python学习笔记-进程线程” (section 13, "生产者消费者模型"): producer A makes 20
 * baozi at random intervals; consumer B looks 20 times at random intervals
 * and eats one if there is any.
 *
 * ```python
 * import time, random
 * import queue, threading
 * q = queue.Queue()
 * def Producer(name):
 *   count = 0
 *   while count < 20:
 *     time.sleep(random.randrange(3))
 *     q.put(count)
 *     print('Producer %s has produced %s baozi..' % (name, count))
 *     count += 1
 * def Consumer(name):
 *   count = 0
 *   while count < 20:
 *     time.sleep(random.randrange(4))
 *     if not q.empty():
 *         data = q.get()
 *         print(data)
 *         print('Consumer %s has eat %s baozi...' % (name, data))
 *     else:
 *         print("-----no baozi anymore----")
 *     count += 1
 * p1 = threading.Thread(target=Producer, args=('A',))
 * c1 = threading.Thread(target=Consumer, args=('B',))
 * p1.start()
 * c1.start()
 * ```
 *
 * Times, scaled: one second → 20 ms; `random.randrange` comes from a seeded
 * generator so every run is the same. The program checks that B ate the
 * baozi in the order A made them, and that eaten + left in the queue = 20.
 *
 * Run: `pnpm tsx examples/queue-baozi-producer-consumer.ts`
 */
import { TaskQueue } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { checkAloud } from "./support/report.ts"

const SECOND = 20

let seed = 2024
const randrange = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return (seed >>> 16) % n
}

const program = Effect.gen(function*() {
  const q = yield* TaskQueue.fifo<number>()
  const eaten: Array<number> = []
  let empties = 0

  const producer = (name: string) =>
    Effect.gen(function*() {
      let count = 0
      while (count < 20) {
        yield* Effect.sleep(randrange(3) * SECOND)
        yield* q.put(count)
        console.log(`Producer ${name} has produced ${count} baozi..`)
        count += 1
      }
    })

  const consumer = (name: string) =>
    Effect.gen(function*() {
      let count = 0
      while (count < 20) {
        yield* Effect.sleep(randrange(4) * SECOND)
        if (!(yield* q.empty)) {
          const data = yield* q.get()
          console.log(data)
          console.log(`Consumer ${name} has eat ${data} baozi...`)
          eaten.push(data)
        } else {
          console.log("-----no baozi anymore----")
          empties++
        }
        count += 1
      }
    })

  yield* Effect.all([producer("A"), consumer("B")], { concurrency: "unbounded", discard: true })
  const left = yield* q.qsize
  console.log(`B ate ${eaten.length} baozi, found none ${empties} times; ${left} left in the queue`)
  yield* checkAloud(eaten.length > 0 && eaten.every((data, i) => data === i), "B ate baozi, in the order A made them")
  yield* checkAloud(eaten.length + left === 20, "eaten + left = 20: none lost, none twice")
})

NodeRuntime.runMain(program)
