import { assert, describe, it } from "@effect/vitest"
import * as P from "../../src/internal/protocol.ts"

/** Every record `forEachCommand` reads, as plain tuples. */
const read = (batch: P.Batch) => {
  const records: Array<Array<unknown>> = []
  P.forEachCommand(batch, (op, id, task, payload, start, end) => {
    records.push([op, id, task, payload, batch.slice(start, end)])
  })
  return records
}

describe("protocol", () => {
  it("a batch written with push* reads back record by record, with each record's place", () => {
    const batch: P.Batch = []
    P.pushRun(batch, false, 1, "sum", { from: 0, to: 10 })
    P.pushCancel(batch, 2)
    P.pushRun(batch, true, 3, "noop", [1, 2, 3])
    P.pushUnqueue(batch, 4)
    P.pushReply(batch, 5, 1, "value")
    assert.deepStrictEqual(read(batch), [
      [P.RUN, 1, "sum", { from: 0, to: 10 }, [P.RUN, 1, "sum", { from: 0, to: 10 }]],
      [P.CANCEL, 2, undefined, undefined, [P.CANCEL, 2]],
      [P.CHUNK, 3, "noop", [1, 2, 3], [P.CHUNK, 3, "noop", [1, 2, 3]]],
      [P.UNQUEUE, 4, undefined, undefined, [P.UNQUEUE, 4]],
      [P.REPLY, 5, undefined, [1, "value"], [P.REPLY, 5, 1, "value"]]
    ])
  })

  it("an unknown op code ends the batch: nothing after it can be framed", () => {
    const batch: P.Batch = []
    P.pushCancel(batch, 1)
    batch.push(99, 2, "x")
    P.pushCancel(batch, 3)
    assert.deepStrictEqual(read(batch).map((record) => record[1]), [1])
    assert.deepStrictEqual(read([]), [])
  })

  it("op codes run from 0 without gaps on each side", () => {
    assert.deepStrictEqual([P.RUN, P.CHUNK, P.CANCEL, P.UNQUEUE, P.REPLY], [0, 1, 2, 3, 4])
    assert.deepStrictEqual(
      [
        P.R_SUCCESS,
        P.R_FAIL,
        P.R_DIE,
        P.R_INTERRUPTED,
        P.R_PROGRESS,
        P.R_CHUNK,
        P.R_UNKNOWN,
        P.R_UNQUEUED,
        P.R_STARTUP_FAILED,
        P.R_CRASH,
        P.R_CALL,
        P.R_ACK,
        P.R_CANCEL_CALL,
        P.R_BATCH,
        P.R_CASTS,
        P.R_LOG
      ],
      Array.from({ length: 16 }, (_, i) => i)
    )
    // The chunk's "no failure" tag is none of the reply codes it could be confused with.
    assert.notInclude([P.R_FAIL, P.R_DIE, P.R_INTERRUPTED], P.CHUNK_DONE)
  })

  it("a defect crosses as plain data and is revived with its name, message and stack", () => {
    const error = new TypeError("bad input")
    const crossed = structuredClone(P.serializeDefect(error))
    const revived = P.reviveDefect(crossed)
    assert.instanceOf(revived, Error)
    assert.strictEqual(revived.name, "TypeError")
    assert.strictEqual(revived.message, "bad input")
    assert.strictEqual(revived.stack, error.stack)
    assert.deepStrictEqual(P.serializeDefect({ _tag: "Boom", message: "tagged" }), {
      name: "Boom",
      message: "tagged",
      stack: undefined
    })
    assert.deepStrictEqual(P.serializeDefect("plain"), { name: "Error", message: "plain", stack: undefined })
    assert.deepStrictEqual(P.serializeDefect({ n: 1 }), { name: "Error", message: "{\"n\":1}", stack: undefined })
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    assert.strictEqual(P.serializeDefect(cyclic).message, "[object Object]")
  })
})
