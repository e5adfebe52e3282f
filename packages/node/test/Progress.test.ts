import { Pool, Progress } from "@corun/core"
import { NodePool, ProgressBar } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Stream from "effect/Stream"
import * as T from "./fixtures/tasks.ts"
import { tasks } from "./helpers.ts"

const withPool = <A, E>(use: (pool: Pool.PoolService) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(NodePool.make({ tasks, size: 2 }), use))

describe("Progress of a pool's map, imap and stream", () => {
  it.live("map: done, failed and total, ending finished; a watcher sees it reach the end", () =>
    withPool((pool) =>
      Effect.scoped(Effect.gen(function*() {
        const progress = yield* Progress.make()
        const seen = yield* Effect.forkChild(Stream.runCollect(progress.changes))
        const results = yield* pool.map(T.sqrt, Array.from({ length: 40 }, (_, i) => i * i), { chunksize: 4, progress })
        assert.strictEqual(results.length, 40)
        const last = yield* progress.snapshot
        assert.deepStrictEqual([last.done, last.failed, last.total, last.finished], [40, 0, 40, true])
        assert.isUndefined(last.etaMillis)
        const watched = Array.from(yield* Fiber.join(seen))
        assert.isTrue(watched.at(-1)!.finished)
        assert.strictEqual(watched.at(-1)!.done, 40)
        // Never more done than known.
        assert.isTrue(watched.every((s) => s.done + s.failed <= s.total))
      }))
    ))

  it.live("a failing input counts as failed; imap and stream count what they read", () =>
    withPool((pool) =>
      Effect.scoped(Effect.gen(function*() {
        const failing = yield* Progress.make()
        yield* Effect.flip(pool.map(T.sqrt, [1, 4, -1, 9], { chunksize: 1, progress: failing }))
        const afterFailure = yield* failing.snapshot
        assert.strictEqual(afterFailure.failed, 1)
        assert.isTrue(afterFailure.finished)

        const viaImap = yield* Progress.make()
        yield* Stream.runCollect(pool.imap(T.sqrt, [1, 4, 9, 16, 25], { progress: viaImap }))
        assert.deepStrictEqual(
          [(yield* viaImap.snapshot).done, (yield* viaImap.snapshot).total, (yield* viaImap.snapshot).finished],
          [5, 5, true]
        )

        const viaStream = yield* Progress.make()
        yield* Stream.runCollect(Stream.range(1, 30).pipe(pool.stream(T.sqrt, { chunksize: 4, progress: viaStream })))
        const streamed = yield* viaStream.snapshot
        assert.deepStrictEqual([streamed.done, streamed.total, streamed.finished], [30, 30, true])
      }))
    ))
})

describe("Progress of a refused map, imap or stream", () => {
  it.live("ends finished: a watcher does not wait forever", () =>
    withPool((pool) =>
      Effect.scoped(Effect.gen(function*() {
        const viaMap = yield* Progress.make()
        yield* Effect.flip(pool.map(T.sqrt, [1, 4], { chunksize: 0, progress: viaMap }))
        const viaImap = yield* Progress.make()
        yield* Effect.flip(Stream.runCollect(pool.imap(T.sqrt, [1, 4], { chunksize: -1, progress: viaImap })))
        const viaStream = yield* Progress.make()
        yield* Effect.flip(
          Stream.runCollect(Stream.make(1, 4).pipe(pool.stream(T.sqrt, { concurrency: 0, progress: viaStream })))
        )
        for (const progress of [viaMap, viaImap, viaStream]) assert.isTrue((yield* progress.snapshot).finished)
      }))
    ))
})

describe("ProgressBar", () => {
  it.live("on a terminal: a bar redrawn in place, ended with a newline", () =>
    withPool((pool) =>
      Effect.scoped(Effect.gen(function*() {
        const progress = yield* Progress.make()
        let drawn = ""
        const output = { isTTY: true, write: (text: string) => (drawn += text) }
        const bar = yield* Effect.forkChild(ProgressBar.render(progress, { label: "roots", output }))
        yield* pool.map(T.sqrt, Array.from({ length: 20 }, (_, i) => i), { chunksize: 2, progress })
        yield* Fiber.join(bar)
        assert.include(drawn, "\r")
        assert.match(drawn, /\[#{30}\] roots: 20\/20 \(.*\) in \d+\.\ds\n$/)
      }))
    ))

  it.live("elsewhere: log lines, the last one at the end", () =>
    withPool((pool) =>
      Effect.gen(function*() {
        const lines: Array<string> = []
        const logger = Logger.make((options) => {
          lines.push(String(Array.isArray(options.message) ? options.message[0] : options.message))
        })
        yield* Effect.scoped(Effect.gen(function*() {
          const progress = yield* Progress.make()
          const bar = yield* Effect.forkChild(ProgressBar.render(progress, { label: "roots", tty: false }))
          yield* pool.map(T.sqrt, Array.from({ length: 20 }, (_, i) => i), { progress })
          yield* Fiber.join(bar)
        })).pipe(Effect.provide(Logger.layer([logger])))
        assert.match(lines.at(-1)!, /^roots: 20\/20 \(.*\) in \d+\.\ds$/)
      })
    ))
})
