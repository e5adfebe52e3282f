import { Errors } from "@corun/core"
import { PoolBackend } from "@corun/core/Backend"
import { assert, describe, it } from "@effect/vitest"
import { parseOptions } from "../../src/internal/config.ts"
import {
  assign,
  depthFor,
  pickWorker,
  requeueStolen,
  schedule,
  steal,
  updateEwma,
  wantsJobs
} from "../../src/internal/dispatch.ts"
import { interrupted, Job } from "../../src/internal/job.ts"
import { PoolState } from "../../src/internal/poolState.ts"
import * as P from "../../src/internal/protocol.ts"
import type { RuntimeWorker } from "../../src/internal/runtime.ts"
import { WorkerHandle } from "../../src/internal/workerHandle.ts"
import type { Options } from "../../src/NodePool.ts"

// -----------------------------------------------------------------------------
// The policy's pure functions
// -----------------------------------------------------------------------------

describe("wantsJobs", () => {
  const worker = (inflightCount: number, depth: number, ready = true, retiring = false) => ({
    ready,
    retiring,
    inflightCount,
    depth
  })

  it("a worker not ready, or retiring, takes no job", () => {
    assert.isFalse(wantsJobs(worker(0, 4, false)))
    assert.isFalse(wantsJobs(worker(0, 4, true, true)))
    assert.isTrue(wantsJobs(worker(0, 4)))
  })

  it("a worker takes jobs once it is down to half its depth", () => {
    assert.isTrue(wantsJobs(worker(0, 1)))
    assert.isFalse(wantsJobs(worker(1, 1)))
    assert.isTrue(wantsJobs(worker(2, 4)))
    assert.isFalse(wantsJobs(worker(3, 4)))
    // An odd depth rounds half down.
    assert.isTrue(wantsJobs(worker(2, 5)))
    assert.isFalse(wantsJobs(worker(3, 5)))
    assert.isTrue(wantsJobs(worker(32, 64)))
    assert.isFalse(wantsJobs(worker(33, 64)))
  })
})

describe("pickWorker", () => {
  const w = (name: string, inflightCount: number, depth = 8, retiring = false) => ({
    name,
    inflightCount,
    depth,
    retiring
  })

  it("nothing to pick from", () => {
    assert.isUndefined(pickWorker([]))
  })

  it("picks the worker with the fewest jobs in flight (the very object)", () => {
    const least = w("b", 1)
    assert.strictEqual(pickWorker([w("a", 3), least, w("c", 2)]), least)
  })

  it("on a tie, the first one", () => {
    assert.strictEqual(pickWorker([w("a", 3), w("b", 2), w("c", 2)])?.name, "b")
  })

  it("skips retiring workers and workers at their depth", () => {
    assert.strictEqual(pickWorker([w("a", 0, 8, true), w("b", 4, 4), w("c", 5, 8)])?.name, "c")
    assert.isUndefined(pickWorker([w("a", 0, 8, true), w("b", 4, 4), w("c", 9, 8)]))
  })
})

describe("depthFor", () => {
  it("one at a time for slow tasks (over 2 ms)", () => {
    assert.strictEqual(depthFor(2.01, 64), 1)
    assert.strictEqual(depthFor(1000, 64), 1)
  })

  it("a few for middling tasks (over 0.25 ms, up to 2 ms), within maxDepth", () => {
    assert.strictEqual(depthFor(2, 64), 4)
    assert.strictEqual(depthFor(0.26, 64), 4)
    assert.strictEqual(depthFor(1, 3), 3)
    assert.strictEqual(depthFor(1, 1), 1)
  })

  it("maxDepth for tiny tasks, and while no task has been timed yet (ewma -1)", () => {
    assert.strictEqual(depthFor(0.25, 64), 64)
    assert.strictEqual(depthFor(0, 10), 10)
    assert.strictEqual(depthFor(-1, 64), 64)
  })
})

describe("updateEwma", () => {
  it("the first job sets the average", () => {
    assert.strictEqual(updateEwma(-1, 7), 7)
  })

  it("later jobs weigh a fifth", () => {
    assert.strictEqual(updateEwma(10, 0), 8)
    assert.strictEqual(updateEwma(0, 10), 2)
    assert.strictEqual(updateEwma(5, 5), 5)
  })
})

// -----------------------------------------------------------------------------
// Dispatch over a pool of fake workers
// -----------------------------------------------------------------------------

interface FakeRuntimeWorker extends RuntimeWorker {
  /** Every message posted, in order. */
  readonly sent: Array<Array<unknown>>
  /** The transfer list of each message. */
  readonly transfers: Array<ReadonlyArray<unknown> | undefined>
  kills: number
}

const fakeRuntimeWorker = (id: number): FakeRuntimeWorker => {
  const sent: Array<Array<unknown>> = []
  const transfers: Array<ReadonlyArray<unknown> | undefined> = []
  const rt: FakeRuntimeWorker = {
    id,
    pid: 1000 + id,
    threadId: id,
    crash: undefined,
    outOfMemory: false,
    sent,
    transfers,
    kills: 0,
    send: (message, transfer) => {
      sent.push(message)
      transfers.push(transfer)
      return undefined
    },
    kill: () => {
      rt.kills++
    },
    signal: () => {
      rt.kills++
    },
    close: () => {}
  }
  return rt
}

const makePool = (options: Partial<Options<any>> = {}): PoolState => {
  const config = parseOptions({ tasks: "/tmp/x.ts", size: 2, ...options })
  if (config instanceof Errors.InvalidArgumentError) throw config
  return new PoolState(config)
}

/** A ready worker of the pool. */
const addWorker = (pool: PoolState, depth = 1): WorkerHandle & { readonly rt: FakeRuntimeWorker } => {
  const w = new WorkerHandle(fakeRuntimeWorker(pool.nextWorkerId++))
  w.ready = true
  w.depth = depth
  pool.workers.add(w)
  return w as WorkerHandle & { readonly rt: FakeRuntimeWorker }
}

interface FakeClient extends PoolBackend.Job {
  runningCalls: number
  readonly ends: Array<{ kind: PoolBackend.EndKind; value: unknown }>
}

const fakeClient = (id: number, overrides: Partial<PoolBackend.Job> = {}): FakeClient => {
  const client: FakeClient = {
    task: "t",
    chunk: false,
    payload: `input ${id}`,
    transfer: undefined,
    timeoutMs: undefined,
    wantsProgress: false,
    parentSpan: undefined,
    log: () => {},
    spanStart: () => {},
    spanEnd: () => {},
    ...overrides,
    runningCalls: 0,
    ends: [],
    running: () => {
      client.runningCalls++
    },
    progress: () => {},
    end: (kind, value) => {
      client.ends.push({ kind, value })
    }
  }
  return client
}

type FakeJob = Job & { readonly client: FakeClient }

/** Accepts a job into the queue (as `jobs.start` does, without starting workers). */
const enqueue = (pool: PoolState, overrides: Partial<PoolBackend.Job> = {}): FakeJob => {
  const id = pool.nextJobId++
  const job = new Job(id, fakeClient(id, overrides)) as FakeJob
  pool.pending.set(id, job)
  pool.queue.push(job)
  return job
}

const enqueueMany = (pool: PoolState, n: number): Array<FakeJob> => Array.from({ length: n }, () => enqueue(pool))

/** Lets the outbox flush (a microtask queued by `markDirty`). */
const flushed = () => Promise.resolve()

/** The records a worker was sent, as `[op, id]` pairs. */
const records = (w: { readonly rt: FakeRuntimeWorker }): Array<[unknown, unknown]> => {
  const out: Array<[unknown, unknown]> = []
  for (const message of w.rt.sent) {
    let i = 0
    while (i < message.length) {
      const op = message[i]
      out.push([op, message[i + 1]])
      i += op === P.RUN || op === P.CHUNK ? 4 : 2
    }
  }
  return out
}

const ids = (jobs: ReadonlyArray<Job>) => jobs.map((job) => job.id)

describe("assign", () => {
  it("sends the job: state, worker, line, running(), and a RUN record once flushed", async () => {
    const pool = makePool()
    const w = addWorker(pool)
    const job = enqueue(pool)
    pool.queue.shift()
    assign(pool, w, job)
    assert.strictEqual(job.state, "sent")
    assert.strictEqual(job.worker, w)
    assert.strictEqual(job.client.runningCalls, 1)
    assert.strictEqual(w.inflightCount, 1)
    assert.deepStrictEqual(ids(w.inflight), [job.id])
    // Nothing is posted before the microtask flush.
    assert.deepStrictEqual(w.rt.sent, [])
    await flushed()
    assert.deepStrictEqual(w.rt.sent, [[P.RUN, job.id, "t", `input ${job.id}`]])
    assert.deepStrictEqual(w.outbox, [])
  })

  it("a chunk goes as CHUNK, with its transferables", async () => {
    const pool = makePool()
    const w = addWorker(pool)
    const buffer = new ArrayBuffer(8)
    const job = enqueue(pool, { chunk: true, payload: [1, 2], transfer: [buffer] })
    pool.queue.shift()
    assign(pool, w, job)
    await flushed()
    assert.deepStrictEqual(w.rt.sent, [[P.CHUNK, job.id, "t", [1, 2]]])
    assert.deepStrictEqual(w.rt.transfers, [[buffer]])
  })

  it("stops the worker's idle timer", () => {
    const pool = makePool()
    const w = addWorker(pool)
    let cleared = 0
    w.idleTimer = { clear: () => cleared++ } as any
    const job = enqueue(pool)
    pool.queue.shift()
    assign(pool, w, job)
    assert.strictEqual(cleared, 1)
    assert.isUndefined(w.idleTimer)
  })

  it("arms the timeout of the first job in the worker's line only", () => {
    const pool = makePool()
    const w = addWorker(pool, 4)
    const [first, second] = [enqueue(pool, { timeoutMs: 1e9 }), enqueue(pool, { timeoutMs: 1e9 })]
    try {
      schedule(pool)
      assert.strictEqual(second.worker, w)
      assert.isDefined(first.timer)
      assert.isUndefined(second.timer)
    } finally {
      first.timer?.clear()
      second.timer?.clear()
    }
  })

  it("maxTasksPerChild: the worker is retiring once it has been sent that many jobs", () => {
    const pool = makePool({ maxTasksPerChild: 2 })
    const w = addWorker(pool, 8)
    const [a, b] = enqueueMany(pool, 2)
    pool.queue.shift()
    pool.queue.shift()
    assign(pool, w, a)
    assert.isFalse(w.retiring)
    assign(pool, w, b)
    assert.isTrue(w.retiring)
    assert.strictEqual(w.dispatched, 2)
  })

  it("without maxTasksPerChild a worker never retires for its count", () => {
    const pool = makePool()
    const w = addWorker(pool, 64)
    enqueueMany(pool, 50)
    schedule(pool)
    assert.strictEqual(w.inflightCount, 50)
    assert.isFalse(w.retiring)
  })
})

describe("schedule", () => {
  it("does nothing with an empty queue", async () => {
    const pool = makePool()
    const w = addWorker(pool)
    schedule(pool)
    await flushed()
    assert.deepStrictEqual(w.rt.sent, [])
    assert.isFalse(pool.flushScheduled)
  })

  it("spreads jobs over the workers; what no worker takes stays queued, in order", async () => {
    const pool = makePool()
    const w1 = addWorker(pool)
    const w2 = addWorker(pool)
    const [a, b, c, d] = enqueueMany(pool, 4)
    schedule(pool)
    assert.strictEqual(a.worker, w1)
    assert.strictEqual(b.worker, w2)
    assert.strictEqual(c.state, "queued")
    assert.strictEqual(c.client.runningCalls, 0)
    assert.strictEqual(pool.queue.size, 2)
    await flushed()
    assert.deepStrictEqual(records(w1), [[P.RUN, a.id]])
    assert.deepStrictEqual(records(w2), [[P.RUN, b.id]])
    assert.strictEqual(pool.queue.shift(), c)
    assert.strictEqual(pool.queue.shift(), d)
  })

  it("each job goes to the least loaded eligible worker (the first on a tie)", () => {
    const pool = makePool()
    const w1 = addWorker(pool, 8)
    const w2 = addWorker(pool, 8)
    w1.inflightCount = 3 // still eligible: 3 <= 8 / 2
    const jobs = enqueueMany(pool, 5)
    schedule(pool)
    // w2: 0 → 3, then the tie at 3 goes to w1, then w2 again.
    assert.deepStrictEqual(jobs.map((job) => job.worker), [w2, w2, w2, w1, w2])
    assert.strictEqual(w1.inflightCount, 4)
    assert.strictEqual(w2.inflightCount, 4)
  })

  it("a worker above half its depth takes nothing, even below its depth", async () => {
    const pool = makePool()
    const w = addWorker(pool, 4)
    w.inflightCount = 3
    enqueueMany(pool, 3)
    schedule(pool)
    await flushed()
    assert.deepStrictEqual(w.rt.sent, [])
    assert.strictEqual(pool.queue.size, 3)
    assert.strictEqual(w.inflightCount, 3)
  })

  it("a worker down to half its depth is filled up to its depth", () => {
    const pool = makePool()
    const w = addWorker(pool, 4)
    w.inflightCount = 2
    const jobs = enqueueMany(pool, 5)
    schedule(pool)
    assert.strictEqual(w.inflightCount, 4)
    assert.deepStrictEqual(jobs.map((job) => job.state), ["sent", "sent", "queued", "queued", "queued"])
    assert.strictEqual(pool.queue.size, 3)
  })

  it("a fresh worker gets up to its depth in one message, in queue order", async () => {
    const pool = makePool()
    const w = addWorker(pool, 64)
    const jobs = enqueueMany(pool, 100)
    schedule(pool)
    assert.strictEqual(w.inflightCount, 64)
    assert.strictEqual(pool.queue.size, 36)
    assert.strictEqual(pool.queue.shift(), jobs[64])
    await flushed()
    assert.strictEqual(w.rt.sent.length, 1)
    assert.deepStrictEqual(
      records(w),
      jobs.slice(0, 64).map((job) => [P.RUN, job.id])
    )
    assert.deepStrictEqual(ids(w.inflight), ids(jobs.slice(0, 64)))
  })

  it("workers not ready or retiring get nothing", async () => {
    const pool = makePool()
    const starting = addWorker(pool, 4)
    starting.ready = false
    const retiring = addWorker(pool, 4)
    retiring.retiring = true
    const ok = addWorker(pool, 4)
    const jobs = enqueueMany(pool, 3)
    schedule(pool)
    assert.deepStrictEqual(jobs.map((job) => job.worker), [ok, ok, ok])
    await flushed()
    assert.deepStrictEqual(starting.rt.sent, [])
    assert.deepStrictEqual(retiring.rt.sent, [])
  })

  it("skips jobs that ended while they waited", () => {
    const pool = makePool()
    const w = addWorker(pool, 4)
    const [a, b] = enqueueMany(pool, 2)
    a.state = "done"
    pool.queue.forget()
    schedule(pool)
    assert.deepStrictEqual(ids(w.inflight), [b.id])
    assert.strictEqual(a.client.runningCalls, 0)
  })

  it("maxTasksPerChild: a worker stops taking jobs once retiring, the others take the rest", () => {
    const pool = makePool({ maxTasksPerChild: 2 })
    const w1 = addWorker(pool, 8)
    const w2 = addWorker(pool, 8)
    const jobs = enqueueMany(pool, 6)
    schedule(pool)
    // Alternating (ties go to the first), until each has had its two jobs.
    assert.deepStrictEqual(jobs.map((job) => job.worker), [w1, w2, w1, w2, undefined, undefined])
    assert.isTrue(w1.retiring)
    assert.isTrue(w2.retiring)
    assert.strictEqual(pool.queue.size, 2)
  })
})

describe("steal", () => {
  /** A pool whose first worker holds `n` jobs (pipelined), and an idle second worker. */
  const loaded = async (n: number) => {
    const pool = makePool()
    const victim = addWorker(pool, 64)
    const jobs = enqueueMany(pool, n)
    schedule(pool)
    const thief = addWorker(pool, 64)
    await flushed()
    victim.rt.sent.length = 0
    return { pool, victim, thief, jobs }
  }

  it("asks the victim for the later half of its jobs, never the one it runs", async () => {
    const { jobs, pool, thief, victim } = await loaded(6)
    steal(pool, thief)
    await flushed()
    assert.deepStrictEqual(records(victim), [[P.UNQUEUE, jobs[5].id], [P.UNQUEUE, jobs[4].id], [
      P.UNQUEUE,
      jobs[3].id
    ]])
    assert.deepStrictEqual(jobs.map((job) => job.stealing), [false, false, false, true, true, true])
    // The jobs stay the victim's until it gives them back.
    assert.strictEqual(victim.inflightCount, 6)
    assert.isTrue(jobs.every((job) => job.state === "sent" && job.worker === victim))
    assert.deepStrictEqual(thief.rt.sent, [])
  })

  it("with two jobs, asks for the second; with three, for the third", async () => {
    const two = await loaded(2)
    steal(two.pool, two.thief)
    await flushed()
    assert.deepStrictEqual(records(two.victim), [[P.UNQUEUE, two.jobs[1].id]])
    const three = await loaded(3)
    steal(three.pool, three.thief)
    await flushed()
    assert.deepStrictEqual(records(three.victim), [[P.UNQUEUE, three.jobs[2].id]])
  })

  it("a worker with fewer than two jobs is not asked", async () => {
    const { pool, thief, victim } = await loaded(1)
    steal(pool, thief)
    await flushed()
    assert.deepStrictEqual(victim.rt.sent, [])
    assert.isFalse(pool.flushScheduled)
  })

  it("the most loaded worker is asked", async () => {
    const pool = makePool()
    const w1 = addWorker(pool, 64)
    const w1Jobs = enqueueMany(pool, 3)
    schedule(pool)
    const w2 = addWorker(pool, 64)
    // w1 (3 in flight) is above half its new depth: everything goes to w2.
    w1.depth = 4
    const w2Jobs = enqueueMany(pool, 5)
    schedule(pool)
    assert.isTrue(w2Jobs.every((job) => job.worker === w2))
    const thief = addWorker(pool, 64)
    await flushed()
    w1.rt.sent.length = 0
    w2.rt.sent.length = 0
    steal(pool, thief)
    await flushed()
    assert.deepStrictEqual(w1.rt.sent, [])
    assert.deepStrictEqual(records(w2), [[P.UNQUEUE, w2Jobs[4].id], [P.UNQUEUE, w2Jobs[3].id]])
    assert.isFalse(w1Jobs.some((job) => job.stealing))
  })

  it("the thief itself, a worker not ready and a worker being killed are not asked", async () => {
    const { jobs, pool, victim } = await loaded(4)
    // The loaded worker asking for work steals nothing from itself.
    steal(pool, victim)
    await flushed()
    assert.deepStrictEqual(victim.rt.sent, [])
    const other = addWorker(pool, 64)
    victim.killing = true
    steal(pool, other)
    victim.killing = false
    victim.ready = false
    steal(pool, other)
    await flushed()
    assert.deepStrictEqual(victim.rt.sent, [])
    assert.isFalse(jobs.some((job) => job.stealing))
  })

  it("jobs already asked for, or cancelled, are not asked for again", async () => {
    const { jobs, pool, thief, victim } = await loaded(6)
    jobs[4].cancelSent = true
    steal(pool, thief)
    await flushed()
    assert.deepStrictEqual(records(victim), [[P.UNQUEUE, jobs[5].id], [P.UNQUEUE, jobs[3].id], [
      P.UNQUEUE,
      jobs[2].id
    ]])
    victim.rt.sent.length = 0
    steal(pool, thief)
    await flushed()
    // Still three wanted; only job 2 (index 1) is left behind the running one.
    assert.deepStrictEqual(records(victim), [[P.UNQUEUE, jobs[1].id]])
  })
})

describe("requeueStolen", () => {
  it("a job given back goes to an idle worker, running() being called again", async () => {
    const pool = makePool()
    const victim = addWorker(pool, 64)
    const jobs = enqueueMany(pool, 4)
    schedule(pool)
    const thief = addWorker(pool, 64)
    steal(pool, thief)
    await flushed()
    const stolen = jobs[3]
    assert.isTrue(stolen.stealing)
    requeueStolen(pool, victim, stolen)
    assert.isFalse(stolen.stealing)
    assert.strictEqual(stolen.state, "sent")
    assert.strictEqual(stolen.worker, thief)
    assert.strictEqual(stolen.client.runningCalls, 2)
    assert.strictEqual(victim.inflightCount, 3)
    assert.strictEqual(thief.inflightCount, 1)
    assert.strictEqual(pool.queue.size, 0)
    await flushed()
    assert.deepStrictEqual(records(thief), [[P.RUN, stolen.id]])
  })

  it("a job given back goes to the front of the queue", async () => {
    const pool = makePool()
    const victim = addWorker(pool, 64)
    const jobs = enqueueMany(pool, 4)
    schedule(pool)
    steal(pool, addWorker(pool, 64))
    await flushed()
    // Nobody may take jobs now: the stolen ones wait in the queue.
    for (const w of pool.workers) w.ready = false
    const [later1, later2] = enqueueMany(pool, 2)
    requeueStolen(pool, victim, jobs[3])
    requeueStolen(pool, victim, jobs[2])
    assert.strictEqual(jobs[3].state, "queued")
    assert.isUndefined(jobs[3].worker)
    assert.strictEqual(victim.inflightCount, 2)
    assert.strictEqual(pool.queue.size, 4)
    assert.deepStrictEqual(ids([pool.queue.shift()!, pool.queue.shift()!, pool.queue.shift()!, pool.queue.shift()!]), [
      jobs[2].id,
      jobs[3].id,
      later1.id,
      later2.id
    ])
  })

  it("a job given back leaves its worker's line: sent back there, it is not taken for the running job", async () => {
    const pool = makePool()
    const victim = addWorker(pool, 64)
    const jobs = enqueueMany(pool, 3)
    schedule(pool)
    steal(pool, addWorker(pool, 64))
    await flushed()
    // Only the victim may take jobs: the stolen job goes back to it, behind jobs[1].
    for (const w of pool.workers) if (w !== victim) w.ready = false
    requeueStolen(pool, victim, jobs[2])
    assert.strictEqual(jobs[2].worker, victim)
    assert.deepStrictEqual(ids(victim.inflight.slice(victim.inflightHead)), [jobs[0].id, jobs[1].id, jobs[2].id])
  })

  it("a job no longer sent (it ended) is ignored", () => {
    const pool = makePool()
    const victim = addWorker(pool, 64)
    const jobs = enqueueMany(pool, 2)
    schedule(pool)
    jobs[1].state = "done"
    requeueStolen(pool, victim, jobs[1])
    assert.strictEqual(victim.inflightCount, 2)
    assert.strictEqual(pool.queue.size, 0)
    assert.strictEqual(jobs[1].state, "done")
  })

  it("a job stopped while it was being stolen ends instead of going back to the queue", () => {
    const pool = makePool()
    const victim = addWorker(pool, 64)
    const jobs = enqueueMany(pool, 3)
    schedule(pool)
    steal(pool, addWorker(pool, 64))
    const stolen = jobs[2]
    stolen.stop = interrupted
    requeueStolen(pool, victim, stolen)
    assert.strictEqual(stolen.state, "done")
    assert.deepStrictEqual(stolen.client.ends, [{ kind: PoolBackend.Interrupted, value: undefined }])
    assert.isFalse(pool.pending.has(stolen.id))
    assert.strictEqual(pool.queue.size, 0)
    assert.strictEqual(victim.inflightCount, 2)
    assert.strictEqual(stolen.client.runningCalls, 1)
  })
})
