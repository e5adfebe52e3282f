/**
 * Port of the `queue` reference in section 12 ("queue队列") of the Chinese
 * notes “python学习笔记-进程线程”: the three queue classes and their
 * methods, each exercised once.
 *
 * ```python
 * class queue.Queue(maxsize = 0)          # first in, first out (FIFO)
 * class queue.LifoQueue(maxsize = 0)      # last in, first out
 * class queue.PriorityQueue(maxsize = 0)  # the lowest entry first: (priority_number, data)
 * # maxsize > 0 bounds the queue: a put blocks while it is full
 *
 * exception queue.Empty  # get_nowait() (or get(False)) on an empty queue
 * exception queue.Full   # put_nowait() (or put(item, False)) on a full queue
 *
 * Queue.qsize(); Queue.empty(); Queue.full()
 * Queue.put(item, block=True, timeout=None)  # timeout: raise Full after that long
 * Queue.put_nowait(item)                     # = put(item, False)
 * Queue.get(block=True, timeout=None)        # timeout: raise Empty after that long
 * Queue.get_nowait()                         # = get(False)
 * ```
 *
 * `queue.Queue / LifoQueue / PriorityQueue(maxsize)` are
 * `TaskQueue.fifo / lifo / priority({ maxsize })`; `put(item, { timeout })`,
 * `put(item, { block: false })` and `putNowait(item)` fail with the typed
 * error `QueueFull`, their `get` counterparts with `QueueEmpty` (Python's
 * `queue.Full` / `queue.Empty`); a priority queue compares its items as
 * Python does (numbers, strings, tuples as arrays), or by an `order` you pass.
 *
 * Times, scaled: a timeout of 1 s → 100 ms.
 *
 * Checks: the order each queue hands its items back in (FIFO, LIFO, lowest
 * priority number first); `qsize` / `empty` / `full` at each step; that
 * `putNowait` on a full queue and `getNowait` on an empty one fail with
 * `QueueFull` / `QueueEmpty` at once, and a `put` / `get` with a timeout
 * with the same errors once the timeout has passed, leaving the queue as it
 * was (nothing lost, nothing added).
 *
 * Run: `pnpm tsx examples/queue-lifo-priority.ts`
 */
import { TaskQueue } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { checkAloud, print } from "./support/report.ts"

const SECOND = 100 // one second of the tutorial, in milliseconds here

/** Takes every item out, with `get_nowait`, in the order the queue hands them back. */
const drain = <A>(q: TaskQueue.TaskQueue<A>) =>
  Effect.gen(function*() {
    const out: Array<A> = []
    while (!(yield* q.empty)) out.push(yield* q.getNowait)
    return out
  })

const program = Effect.gen(function*() {
  // queue.Queue(maxsize=3): first in, first out; bounded.
  yield* print("--- Queue(maxsize=3) ---")
  const q = yield* TaskQueue.fifo<number>({ maxsize: 3 })
  for (const n of [1, 2, 3]) yield* q.put(n)
  yield* print(`qsize=${yield* q.qsize} empty=${yield* q.empty} full=${yield* q.full}`)
  const fullNow = yield* Effect.flip(q.putNowait(4))
  yield* print(`put_nowait(4) on a full queue: ${fullNow._tag}`)
  const fullLater = yield* Effect.flip(q.put(4, { timeout: 1 * SECOND }))
  yield* print(`put(4, timeout=1) on a full queue: ${fullLater._tag} after the timeout`)
  const sizeAfterFull = yield* q.qsize
  const fifoOrder = yield* drain(q)
  yield* print(`get order: ${fifoOrder}`)
  const emptyNow = yield* Effect.flip(q.getNowait)
  yield* print(`get_nowait() on an empty queue: ${emptyNow._tag}`)
  const emptyLater = yield* Effect.flip(q.get({ timeout: 1 * SECOND }))
  yield* print(`get(timeout=1) on an empty queue: ${emptyLater._tag} after the timeout`)
  yield* print(`qsize=${yield* q.qsize} empty=${yield* q.empty} full=${yield* q.full}`)

  // queue.LifoQueue(): last in, first out.
  yield* print("--- LifoQueue() ---")
  const lifo = yield* TaskQueue.lifo<number>()
  for (const n of [1, 2, 3]) yield* lifo.put(n)
  const lifoOrder = yield* drain(lifo)
  yield* print(`get order: ${lifoOrder}`)

  // queue.PriorityQueue(): the lowest (priority_number, data) first.
  yield* print("--- PriorityQueue() ---")
  const pq = yield* TaskQueue.priority<readonly [number, string]>()
  for (const entry of [[3, "low"], [1, "high"], [2, "medium"], [1, "also high"]] as const) yield* pq.put(entry)
  const priorityOrder = yield* drain(pq)
  yield* print(`get order: ${priorityOrder.map(([n, data]) => `(${n}, ${data})`).join(" ")}`)

  yield* checkAloud(fifoOrder.join(",") === "1,2,3", "Queue hands items back first in, first out")
  yield* checkAloud(lifoOrder.join(",") === "3,2,1", "LifoQueue hands items back last in, first out")
  yield* checkAloud(
    priorityOrder.map(([, data]) => data).join(",") === "also high,high,medium,low",
    "PriorityQueue hands back the lowest entry first (ties broken by the data, as Python compares tuples)"
  )
  yield* checkAloud(
    fullNow._tag === "QueueFull" && fullLater._tag === "QueueFull" && sizeAfterFull === 3,
    "a full queue refuses put_nowait at once and put(timeout) after the timeout, and keeps its 3 items"
  )
  yield* checkAloud(
    emptyNow._tag === "QueueEmpty" && emptyLater._tag === "QueueEmpty" && (yield* q.qsize) === 0,
    "an empty queue refuses get_nowait at once and get(timeout) after the timeout"
  )
})

NodeRuntime.runMain(program)
