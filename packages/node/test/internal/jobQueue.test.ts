import type { PoolBackend } from "@corun/core/Backend"
import { assert, describe, it } from "@effect/vitest"
import { Job } from "../../src/internal/job.ts"
import { JobQueue } from "../../src/internal/jobQueue.ts"

/** A job whose client is never called (the queue only reads `state`). */
const client: PoolBackend.Job = {
  task: "t",
  chunk: false,
  payload: undefined,
  transfer: undefined,
  timeoutMs: undefined,
  wantsProgress: false,
  parentSpan: undefined,
  spanStart: () => {
    throw new Error("the queue must not start spans")
  },
  spanEnd: () => {
    throw new Error("the queue must not end spans")
  },
  running: () => {
    throw new Error("the queue must not report a job running")
  },
  progress: () => {
    throw new Error("the queue must not report progress")
  },
  log: () => {
    throw new Error("the queue must not log")
  },
  end: () => {
    throw new Error("the queue must not end a job")
  }
}

const jobs = (from: number, to: number): Array<Job> => {
  const out: Array<Job> = []
  for (let id = from; id <= to; id++) out.push(new Job(id, client))
  return out
}

/** Shifts until the queue gives nothing, returning the ids in order. */
const shiftAll = (queue: JobQueue): Array<number> => {
  const ids: Array<number> = []
  for (let job = queue.shift(); job !== undefined; job = queue.shift()) ids.push(job.id)
  return ids
}

describe("JobQueue", () => {
  it("starts empty", () => {
    const queue = new JobQueue()
    assert.strictEqual(queue.size, 0)
    assert.isUndefined(queue.shift())
    assert.deepStrictEqual(queue.drain(), [])
    assert.strictEqual(queue.size, 0)
  })

  it("gives jobs back in the order they were pushed (FIFO), counting them", () => {
    const queue = new JobQueue()
    for (const job of jobs(1, 5)) queue.push(job)
    assert.strictEqual(queue.size, 5)
    assert.strictEqual(queue.shift()?.id, 1)
    assert.strictEqual(queue.size, 4)
    assert.deepStrictEqual(shiftAll(queue), [2, 3, 4, 5])
    assert.strictEqual(queue.size, 0)
  })

  it("returns the very job objects pushed", () => {
    const queue = new JobQueue()
    const [a, b] = jobs(1, 2)
    queue.push(a)
    queue.push(b)
    assert.strictEqual(queue.shift(), a)
    assert.strictEqual(queue.shift(), b)
  })

  it("pushFront puts a job next, before the jobs already waiting", () => {
    const queue = new JobQueue()
    const [a, b, c] = jobs(1, 3)
    queue.push(a)
    queue.push(b)
    queue.pushFront(c)
    assert.strictEqual(queue.size, 3)
    assert.deepStrictEqual(shiftAll(queue), [3, 1, 2])
  })

  it("pushFront after some shifts (reusing the freed head slot) keeps the order", () => {
    const queue = new JobQueue()
    const [a, b, c, d, e] = jobs(1, 5)
    queue.push(a)
    queue.push(b)
    queue.push(c)
    assert.strictEqual(queue.shift(), a)
    assert.strictEqual(queue.shift(), b)
    queue.pushFront(d)
    queue.pushFront(e)
    assert.strictEqual(queue.size, 3)
    assert.deepStrictEqual(shiftAll(queue), [5, 4, 3])
  })

  it("pushFront on a queue emptied by shifts works", () => {
    const queue = new JobQueue()
    const [a, b] = jobs(1, 2)
    queue.push(a)
    assert.strictEqual(queue.shift(), a)
    assert.isUndefined(queue.shift())
    queue.pushFront(b)
    assert.strictEqual(queue.size, 1)
    assert.deepStrictEqual(shiftAll(queue), [2])
  })

  it("pushAllFront puts jobs at the front in their own order", () => {
    const queue = new JobQueue()
    const [a, b, c, d, e] = jobs(1, 5)
    queue.push(a)
    queue.push(b)
    queue.push(c)
    assert.strictEqual(queue.shift(), a)
    queue.pushAllFront([d, e])
    assert.strictEqual(queue.size, 4)
    assert.deepStrictEqual(shiftAll(queue), [4, 5, 2, 3])
  })

  it("pushAllFront of nothing changes nothing", () => {
    const queue = new JobQueue()
    for (const job of jobs(1, 2)) queue.push(job)
    queue.pushAllFront([])
    assert.strictEqual(queue.size, 2)
    assert.deepStrictEqual(shiftAll(queue), [1, 2])
  })

  it("shift skips jobs that are no longer queued (forget fixes the count)", () => {
    const queue = new JobQueue()
    const [a, b, c, d] = jobs(1, 4)
    for (const job of [a, b, c, d]) queue.push(job)
    // `a` and `c` are cancelled while they wait: `finish` marks them done and forgets them.
    a.state = "done"
    queue.forget()
    c.state = "done"
    queue.forget()
    assert.strictEqual(queue.size, 2)
    assert.strictEqual(queue.shift(), b)
    assert.strictEqual(queue.size, 1)
    assert.strictEqual(queue.shift(), d)
    assert.strictEqual(queue.size, 0)
    assert.isUndefined(queue.shift())
  })

  it("shift skips a job sent elsewhere (state \"sent\")", () => {
    const queue = new JobQueue()
    const [a, b] = jobs(1, 2)
    queue.push(a)
    queue.push(b)
    a.state = "sent"
    assert.strictEqual(queue.shift(), b)
  })

  it("shift gives undefined when only ended jobs are left, and the queue still works after", () => {
    const queue = new JobQueue()
    const [a, b, c] = jobs(1, 3)
    queue.push(a)
    queue.push(b)
    a.state = "done"
    queue.forget()
    b.state = "done"
    queue.forget()
    assert.strictEqual(queue.size, 0)
    assert.isUndefined(queue.shift())
    queue.push(c)
    assert.strictEqual(queue.size, 1)
    assert.deepStrictEqual(shiftAll(queue), [3])
  })

  it("forget only lowers the count", () => {
    const queue = new JobQueue()
    for (const job of jobs(1, 3)) queue.push(job)
    queue.forget()
    assert.strictEqual(queue.size, 2)
  })

  it("drain takes every waiting job out, in order, skipping the ended ones", () => {
    const queue = new JobQueue()
    const all = jobs(1, 6)
    for (const job of all) queue.push(job)
    assert.strictEqual(queue.shift()?.id, 1)
    queue.pushFront(new Job(7, client))
    all[3].state = "done" // job 4 was cancelled while it waited
    queue.forget()
    const drained = queue.drain()
    assert.deepStrictEqual(drained.map((job) => job.id), [7, 2, 3, 5, 6])
    // The queue is empty…
    assert.isUndefined(queue.shift())
    assert.deepStrictEqual(queue.drain(), [])
    // …but the drained jobs still count until each is ended (`finish` calls `forget`).
    assert.strictEqual(queue.size, 5)
    for (const job of drained) {
      job.state = "done"
      queue.forget()
    }
    assert.strictEqual(queue.size, 0)
  })

  it("a drained queue takes new jobs in order", () => {
    const queue = new JobQueue()
    for (const job of jobs(1, 3)) queue.push(job)
    const drained = queue.drain()
    for (const _ of drained) queue.forget()
    for (const job of jobs(4, 5)) queue.push(job)
    assert.strictEqual(queue.size, 2)
    assert.deepStrictEqual(shiftAll(queue), [4, 5])
  })

  it("drain after pushAllFront keeps the front jobs first", () => {
    const queue = new JobQueue()
    for (const job of jobs(1, 2)) queue.push(job)
    queue.pushAllFront(jobs(3, 4))
    assert.deepStrictEqual(queue.drain().map((job) => job.id), [3, 4, 1, 2])
  })

  it("compaction after more than 1024 shifts keeps the order and the count", () => {
    const queue = new JobQueue()
    const n = 3000
    for (const job of jobs(1, n)) queue.push(job)
    const ids: Array<number> = []
    // Past the compaction point (head > 1024 and more than half the array consumed).
    for (let i = 0; i < 1600; i++) ids.push(queue.shift()!.id)
    assert.strictEqual(queue.size, n - 1600)
    // pushFront and push still place jobs right after compaction.
    queue.pushFront(new Job(n + 1, client))
    queue.push(new Job(n + 2, client))
    assert.strictEqual(queue.size, n - 1600 + 2)
    const rest = shiftAll(queue)
    ids.push(...rest)
    const expected: Array<number> = []
    for (let id = 1; id <= 1600; id++) expected.push(id)
    expected.push(n + 1)
    for (let id = 1601; id <= n; id++) expected.push(id)
    expected.push(n + 2)
    assert.deepStrictEqual(ids, expected)
    assert.strictEqual(queue.size, 0)
  })

  it("compaction with interleaved pushes and skipped jobs keeps FIFO order", () => {
    const queue = new JobQueue()
    let next = 1
    const expected: Array<number> = []
    const got: Array<number> = []
    // Push two, shift one, and cancel every 7th job while it waits: the
    // head runs far past 1024 several times.
    for (let round = 0; round < 4000; round++) {
      for (let k = 0; k < 2; k++) {
        const job = new Job(next++, client)
        queue.push(job)
        if (job.id % 7 === 0) {
          job.state = "done"
          queue.forget()
        } else {
          expected.push(job.id)
        }
      }
      const job = queue.shift()
      if (job !== undefined) got.push(job.id)
    }
    got.push(...shiftAll(queue))
    assert.deepStrictEqual(got, expected)
    assert.strictEqual(queue.size, 0)
  })
})
