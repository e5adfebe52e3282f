import { Errors } from "@corun/core"
import { Pipe, Process } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as T from "./fixtures/pipe-tasks.ts"
import { fixture, within } from "./helpers.ts"

const tasks = fixture("pipe-tasks.ts")

describe("Pipe", () => {
  for (const runtime of ["process", "thread"] as const) {
    it.live(`f(conn) sends [42, null, 'hello'] and closes; then recv fails with EOFError (${runtime})`, () =>
      Effect.gen(function*() {
        const [parentConn, childConn] = yield* Pipe.make(Schema.Unknown)
        const p = yield* Process.make({ tasks, target: T.sendHello, args: childConn, runtime })
        yield* p.start
        assert.deepStrictEqual(yield* within(30, "the value arrives", parentConn.recv()), [42, null, "hello"])
        yield* within(30, "the child exits", p.join())
        const eof = yield* Effect.flip(parentConn.recv())
        assert.instanceOf(eof, Errors.EOFError)
        assert.isFalse(yield* parentConn.poll())
      }).pipe(Effect.scoped))

    it.live(`both ways: 100 round trips in order (${runtime})`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make(Schema.Number)
        const p = yield* Process.make({ tasks, target: T.doubler, args: theirs, runtime })
        yield* p.start
        for (let i = 0; i < 100; i++) {
          yield* mine.send(i)
          assert.strictEqual(yield* within(30, `answer ${i}`, mine.recv()), 2 * i)
        }
        yield* mine.send(-1)
        assert.instanceOf(yield* Effect.flip(within(30, "the child closes", mine.recv())), Errors.EOFError)
        yield* within(30, "the child exits", p.join())
        assert.deepStrictEqual(yield* p.exitCode, Option.some(0))
      }).pipe(Effect.scoped))

    it.live(`a value that cannot cross fails at send, in the child (${runtime})`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make(Schema.Unknown)
        const p = yield* Process.make({ tasks, target: T.sendUncloneable, args: theirs, runtime })
        yield* p.start
        const report = (yield* within(30, "the report arrives", mine.recv())) as string
        assert.match(report, /^InvalidArgumentError: the value cannot be sent/)
        yield* within(30, "the child exits", p.join())
      }).pipe(Effect.scoped))
  }

  it.live("in the owner: poll, timeouts, one-way pipes, close, and a value that cannot cross", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make(Schema.Unknown)
      assert.isFalse(yield* a.poll())
      assert.isFalse(yield* a.poll({ timeout: "10 millis" }))
      yield* b.send("x")
      assert.isTrue(yield* a.poll())
      assert.strictEqual(yield* a.recv(), "x")
      assert.instanceOf(yield* Effect.flip(a.recv({ timeout: "10 millis" })), Errors.QueueEmpty)
      const uncloneable = yield* Effect.flip(b.send({ f: () => 1 }))
      assert.instanceOf(uncloneable, Errors.InvalidArgumentError)
      // What is sent is a copy, as between processes.
      const value = { n: 1 }
      yield* b.send(value)
      const received = (yield* a.recv()) as { n: number }
      assert.deepStrictEqual(received, { n: 1 })
      assert.notStrictEqual(received, value)
      yield* b.close
      assert.instanceOf(yield* Effect.flip(a.recv()), Errors.EOFError)
      assert.instanceOf(yield* Effect.flip(b.send(1)), Errors.EOFError)

      const [reader, writer] = yield* Pipe.make(Schema.Number, { duplex: false })
      assert.instanceOf(yield* Effect.flip(reader.send(1)), Errors.InvalidArgumentError)
      assert.instanceOf(yield* Effect.flip(writer.recv()), Errors.InvalidArgumentError)
      yield* writer.send(5)
      assert.strictEqual(yield* reader.recv(), 5)
    }).pipe(Effect.scoped))
})
