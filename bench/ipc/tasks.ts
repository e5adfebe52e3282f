/**
 * corun's targets for bench/ipc.bench.ts (run by `Process`, in a child
 * process or a worker thread). Erasable TypeScript only.
 *
 * - `echo`: answers every number it receives on its end of a duplex `Pipe`
 *   with the same number, until it receives -1; then closes its end.
 * - `produce`: puts `warmup` numbers into `q`, waits for one item on `go`,
 *   then puts 0..count-1 into `q` (the parent times from `go` to the last
 *   item received).
 */
import * as Task from "@corun/core/Task"
import { Pipe, ProcessQueue } from "@corun/node"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export const echo = Task.make("echo", {
  input: Pipe.connectionSchema(Schema.Number),
  output: Schema.Void,
  run: (conn) =>
    Effect.gen(function*() {
      while (true) {
        const n = yield* conn.recv()
        if (n === -1) return yield* conn.close
        yield* conn.send(n)
      }
    }).pipe(Effect.orDie)
})

export const produce = Task.make("produce", {
  input: Schema.Struct({
    q: ProcessQueue.schema(Schema.Number),
    go: ProcessQueue.schema(Schema.Number),
    warmup: Schema.Number,
    count: Schema.Number
  }),
  output: Schema.Void,
  run: ({ count, go, q, warmup }) =>
    Effect.gen(function*() {
      for (let i = 0; i < warmup; i++) yield* q.put(i)
      yield* go.get()
      for (let i = 0; i < count; i++) yield* q.put(i)
    }).pipe(Effect.orDie)
})
