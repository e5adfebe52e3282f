import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as T from "./fixtures/tasks.ts"
import { tasks, within } from "./helpers.ts"

describe("NodePool.events", () => {
  it.live("workers started, recycled, crashed and closed, as they happen; the stream ends with the pool", () =>
    Effect.gen(function*() {
      const events = yield* Effect.scoped(Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 1, runtime: "process", maxTasksPerChild: 2 })
        // Detached: it outlives this block, to see the pool's end.
        const watching = yield* Effect.forkDetach(Stream.runCollect(NodePool.events(pool)), { startImmediately: true })
        yield* pool.awaitReady
        for (let i = 0; i < 3; i++) yield* pool.apply(T.noop, i) // the third goes to a new worker
        yield* Effect.flip(pool.apply(T.exit, 3)) // its worker dies
        yield* pool.apply(T.noop, 4)
        return watching
      })).pipe(Effect.flatMap((watching) => within(30, "the events end with the pool", Fiber.join(watching))))
      const tags = Array.from(events, (event) => event._tag === "Exited" ? `Exited:${event.why}` : event._tag)
      assert.include(tags, "Exited:recycled")
      assert.include(tags, "Crashed")
      assert.strictEqual(tags.at(-1), "Exited:closed")
      assert.isAtLeast(tags.filter((tag) => tag === "Started").length, 2)
      const crash = Array.from(events).find((event) => event._tag === "Crashed")!
      assert.strictEqual(crash._tag === "Crashed" && crash.reason, "exit")
    }))

  it.live("a worker killed because its timed-out task did not stop is Exited: killed, and replaced", () =>
    Effect.gen(function*() {
      const events = yield* Effect.scoped(Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 1 })
        const watching = yield* Effect.forkDetach(Stream.runCollect(NodePool.events(pool)), { startImmediately: true })
        yield* pool.awaitReady
        yield* Effect.flip(pool.apply(T.spin, 10_000, { timeout: "50 millis" }))
        yield* pool.apply(T.noop, 1) // on the new worker
        return watching
      })).pipe(Effect.flatMap((watching) => within(30, "the events end with the pool", Fiber.join(watching))))
      const tags = Array.from(events, (event) => event._tag === "Exited" ? `Exited:${event.why}` : event._tag)
      assert.deepStrictEqual(tags.filter((tag) => tag.startsWith("Exited") || tag === "Crashed"), [
        "Exited:killed",
        "Exited:closed"
      ])
      assert.isAtLeast(tags.filter((tag) => tag === "Started").length, 2)
    }))
})
