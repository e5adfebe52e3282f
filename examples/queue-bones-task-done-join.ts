/**
 * Port of the basic producer/consumer program of the Chinese notes
 * “python学习笔记-进程线程” (section 13, "生产者消费者模型"): a producer puts 10 bones
 * ("骨头") in a queue and waits with `q.join()` until every bone has been
 * taken and marked done with `q.task_done()`.
 *
 * ```python
 * import threading
 * import queue
 * def producer():
 *     for i in range(10):
 *         q.put("骨头 %s" % i)
 *     print("开始等待所有的骨头被取走...")   # waiting for all the bones to be taken...
 *     q.join()
 *     print("所有的骨头被取完了...")         # all the bones have been taken...
 * def consumer(n):
 *     while q.qsize() > 0:
 *         print("%s 取到" % n, q.get())    # <n> got <bone>
 *         q.task_done()                   # tell the queue this task is done
 * q = queue.Queue()
 * p = threading.Thread(target=producer,)
 * p.start()
 * c1 = consumer("李闯")
 * ```
 *
 * The consumer runs in the main fiber, as in Python, after the producer
 * thread has started (in Python the producer happens to fill the queue first;
 * here the main fiber waits for the first bone to make that certain, or the
 * consumer could find the queue empty, stop, and leave `join` waiting
 * forever). The consumer takes its time (10 ms a bone) so `join` really waits.
 *
 * Run: `pnpm tsx examples/queue-bones-task-done-join.ts`
 */
import { TaskQueue } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Fiber } from "effect"
import { checkAloud } from "./support/report.ts"

const program = Effect.gen(function*() {
  const q = yield* TaskQueue.fifo<string>()
  const taken: Array<string> = []
  let doneCount = 0
  let doneWhenJoinReturned = -1

  const producer = Effect.gen(function*() {
    for (let i = 0; i < 10; i++) yield* q.put(`骨头 ${i}`)
    console.log("开始等待所有的骨头被取走... (waiting for all the bones to be taken)")
    yield* q.join
    doneWhenJoinReturned = doneCount
    console.log("所有的骨头被取完了... (all the bones have been taken)")
  })

  const consumer = (n: string) =>
    Effect.gen(function*() {
      while ((yield* q.qsize) > 0) {
        const bone = yield* q.get()
        console.log(`${n} 取到 ${bone}`)
        taken.push(bone)
        yield* Effect.sleep(10) // chewing
        doneCount++
        yield* q.taskDone
      }
    })

  const p = yield* Effect.forkChild(producer) //  p.start()
  while ((yield* q.qsize) === 0) yield* Effect.yieldNow
  yield* consumer("李闯") //                        c1 = consumer("李闯")
  yield* Fiber.join(p)

  yield* checkAloud(
    taken.length === 10 && taken.every((bone, i) => bone === `骨头 ${i}`),
    "the 10 bones were taken in order"
  )
  yield* checkAloud(doneWhenJoinReturned === 10, "join returned only after the 10th task_done")
  const error = yield* Effect.flip(q.taskDone)
  yield* checkAloud(error._tag === "TaskDoneTooManyTimesError", "an 11th task_done is refused")
})

NodeRuntime.runMain(program)
