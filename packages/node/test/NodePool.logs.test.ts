import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import * as T from "./fixtures/tasks.ts"
import { tasks } from "./helpers.ts"

interface Record {
  readonly level: string
  readonly message: ReadonlyArray<unknown>
  readonly annotations: Readonly<globalThis.Record<string, unknown>>
}

/** Runs `chatty` on a pool made with `options`, with a logger of the caller's that keeps what reaches it. */
const run = (options: Partial<NodePool.Options>) =>
  Effect.gen(function*() {
    const records: Array<Record> = []
    const logger = Logger.make((options) => {
      records.push({
        level: options.logLevel,
        message: Array.isArray(options.message) ? options.message : [options.message],
        annotations: { ...options.fiber.getRef(References.CurrentLogAnnotations) }
      })
    })
    const value = yield* Effect.scoped(Effect.gen(function*() {
      const pool = yield* NodePool.make({ tasks, size: 1, ...options })
      return yield* pool.apply(T.chatty, 7).pipe(Effect.annotateLogs({ request: "r-1" }))
    })).pipe(Effect.provide(Logger.layer([logger])))
    return { value, records }
  })

describe("a task's log records reach the caller's logger", () => {
  for (const runtime of ["thread", "process"] as const) {
    it.live(`with the caller's annotations, the task's own, the task and the worker (${runtime})`, () =>
      Effect.gen(function*() {
        const { records, value } = yield* run({ runtime })
        assert.strictEqual(value, 7)
        const fromTask = records.filter((record) => record.annotations["corun.task"] === "chatty")
        assert.deepStrictEqual(fromTask.map((record) => record.level), ["Info", "Warn", "Error"])
        const [hello, careful, broke] = fromTask
        assert.deepStrictEqual(hello!.message, ["hello from the worker", 7])
        assert.strictEqual(hello!.annotations.request, "r-1")
        assert.strictEqual(hello!.annotations.step, "one")
        assert.strictEqual(typeof hello!.annotations["corun.worker"], "number")
        assert.deepStrictEqual(careful!.message, ["careful"])
        assert.strictEqual(broke!.message[0], "it broke")
        assert.include(String(broke!.message[1]), "the reason")
      }))
  }

  it.live("a JSON logger stays JSON: the task's message values as they were", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const json = Logger.map(Logger.formatJson, (line) => {
        lines.push(line)
      })
      const value = yield* Effect.scoped(Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 1 })
        return yield* pool.apply(T.chatty, 7)
      })).pipe(Effect.provide(Logger.layer([json])))
      assert.strictEqual(value, 7)
      const hello = lines.map((line) => JSON.parse(line)).find((record) => record.annotations?.step === "one")
      assert.isDefined(hello)
      assert.deepStrictEqual(hello.message, ["hello from the worker", 7])
      assert.strictEqual(hello.level, "INFO")
      assert.strictEqual(hello.annotations["corun.task"], "chatty")
    }))

  it.live("records below the pool maker's minimum level stay in the worker; a lower minimum lets them through", () =>
    Effect.gen(function*() {
      const levels = (minimum: "Info" | "Debug") =>
        Effect.gen(function*() {
          const seen: Array<string> = []
          const logger = Logger.make((options) => {
            if (options.fiber.getRef(References.CurrentLogAnnotations)["corun.task"] === "chatty") {
              seen.push(options.logLevel)
            }
          })
          yield* Effect.scoped(Effect.gen(function*() {
            const pool = yield* NodePool.make({ tasks, size: 1 })
            return yield* pool.apply(T.chatty, 7)
          })).pipe(
            Effect.provide(Logger.layer([logger])),
            Effect.provideService(References.MinimumLogLevel, minimum)
          )
          return seen
        })
      assert.deepStrictEqual(yield* levels("Info"), ["Info", "Warn", "Error"])
      assert.deepStrictEqual(yield* levels("Debug"), ["Info", "Debug", "Warn", "Error"])
    }))

  it.live("logs: false keeps them in the worker", () =>
    Effect.gen(function*() {
      const { records, value } = yield* run({ logs: false })
      assert.strictEqual(value, 7)
      assert.deepStrictEqual(records.filter((record) => record.annotations["corun.task"] === "chatty"), [])
    }))
})
