/**
 * The CPU-bound half of the demo (`demo.ts`): "processing" a fetched page —
 * a checksum over as many rounds as the page has kilobytes, a few tens of
 * milliseconds of pure computation that would stall an event loop.
 * Erasable TypeScript only.
 */
import * as Task from "@corun/core/Task"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { threadId } from "node:worker_threads"

/** Rounds of the checksum per kilobyte of page. */
export const ROUNDS_PER_KB = 2_000_000

/** A page's checksum, and which thread computed it (0: the main thread). */
export const crunch = Task.make("crunch", {
  input: Schema.Struct({ url: Schema.String, kilobytes: Schema.Number }),
  output: Schema.Struct({ url: Schema.String, checksum: Schema.Number, thread: Schema.Number }),
  run: ({ kilobytes, url }) => Effect.sync(() => ({ url, checksum: checksum(url, kilobytes), thread: threadId }))
})

/** The computation itself (also run on the main thread by the demo, for comparison). */
export const checksum = (url: string, kilobytes: number): number => {
  let hash = 2166136261
  for (let i = 0; i < kilobytes * ROUNDS_PER_KB; i++) {
    hash ^= url.charCodeAt(i % url.length) + i
    hash = Math.imul(hash, 16777619) >>> 0
  }
  return hash
}
