/**
 * `Timeline`: a picture of a run — every task's time in the queue and at
 * work, on which worker or fiber, and how it ended — as a self-contained
 * HTML page with an SVG: one lane per worker / fiber group, bars coloured
 * by outcome (hover for details), the run's utilization underneath.
 *
 * ```ts
 * const timeline = yield* Timeline.make()
 * const pool = yield* NodePool.make({ tasks, timeline })           // the pool records its jobs
 * yield* Timeline.span(timeline, "fetch", url)(download(url))      // a fiber's work, by hand
 * writeFileSync("run.html", Timeline.toHtml(timeline, { title: "my run" }))
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

const TypeId = "~@corun/core/Timeline" as const

/** `performance.now()` where the runtime has it (every one corun runs on), else `Date.now()`. */
export const now = (): number => (globalThis as { performance?: { now(): number } }).performance?.now() ?? Date.now()

/**
 * How a piece of work ended.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = "success" | "failure" | "interrupted"

/**
 * One piece of work: times in milliseconds on `now()`'s clock.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  /** Where it ran: `worker 1`, `fetch`, … (one lane each). */
  readonly lane: string
  /** What it was (a task's name, a URL…). */
  readonly name: string
  /** When it was queued (a pool job), if it waited. */
  readonly queuedAt: number | undefined
  readonly start: number
  readonly end: number
  readonly outcome: Outcome
}

/**
 * A recording in progress.
 *
 * @since 0.1.0
 * @category models
 */
export interface Timeline {
  readonly [TypeId]: typeof TypeId
  /** When the recording started (`now()`). */
  readonly origin: number
  readonly entries: ReadonlyArray<Entry>
  /** Records one piece of work. */
  readonly add: (entry: Entry) => void
}

/**
 * A new recording, starting now.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Effect.Effect<Timeline> =>
  Effect.sync(() => {
    const entries: Array<Entry> = []
    return { [TypeId]: TypeId, origin: now(), entries, add: (entry) => void entries.push(entry) }
  })

/**
 * Records `effect` as one piece of work in `lane` (a fiber's work: the
 * pool records its jobs itself).
 *
 * @since 0.1.0
 * @category recording
 */
export const span =
  (timeline: Timeline, lane: string, name: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      const start = now()
      return Effect.onExit(effect, (exit) =>
        Effect.sync(() =>
          timeline.add({ lane, name, queuedAt: undefined, start, end: now(), outcome: outcomeOf(exit) })
        ))
    })

/** How an exit ended, as an outcome. */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>): Outcome =>
  Exit.isSuccess(exit) ? "success" : Cause.hasInterruptsOnly(exit.cause) ? "interrupted" : "failure"

/**
 * Whether a value is a `Timeline`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isTimeline = (u: unknown): u is Timeline => typeof u === "object" && u !== null && TypeId in u

const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const COLORS: Record<Outcome, string> = { success: "#43a047", failure: "#e53935", interrupted: "#9e9e9e" }

/**
 * The recording as a self-contained HTML page (no script, no external
 * file): an SVG with one lane per `Entry.lane` (`g.lane`, its name on the
 * left), a bar per entry (`rect.bar`, coloured by outcome, its queue wait as
 * a pale bar before it, details on hover), a time axis, and the
 * utilization — how many lanes were at work — over the run.
 *
 * @since 0.1.0
 * @category rendering
 */
export const toHtml = (timeline: Timeline, options?: { readonly title?: string | undefined }): string => {
  const entries = timeline.entries
  const title = options?.title ?? "corun timeline"
  const lanes = [...new Set(entries.map((entry) => entry.lane))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true })
  )
  // A loop, not a spread: a long run has more entries than a call has room for arguments.
  let t0 = timeline.origin
  let last = -Infinity
  for (const entry of entries) {
    t0 = Math.min(t0, entry.queuedAt ?? entry.start)
    last = Math.max(last, entry.end)
  }
  const t1 = Math.max(t0 + 1, last)
  const duration = t1 - t0
  const left = 140
  const width = 900
  const laneHeight = 26
  const top = 30
  const utilTop = top + lanes.length * laneHeight + 20
  const utilHeight = 60
  const height = utilTop + utilHeight + 30
  const x = (t: number) => left + ((t - t0) / duration) * width
  const parts: Array<string> = []
  // Lanes and bars.
  lanes.forEach((lane, i) => {
    const y = top + i * laneHeight
    parts.push(`<g class="lane" data-lane="${escape(lane)}">`)
    parts.push(`<text x="${left - 8}" y="${y + 17}" text-anchor="end" class="label">${escape(lane)}</text>`)
    parts.push(
      `<line x1="${left}" x2="${left + width}" y1="${y + laneHeight - 1}" y2="${y + laneHeight - 1}" class="rule"/>`
    )
    for (const entry of entries) {
      if (entry.lane !== lane) continue
      const wait = entry.queuedAt === undefined ? 0 : entry.start - entry.queuedAt
      const details = `${entry.name} — ${entry.outcome}, ${(entry.end - entry.start).toFixed(1)} ms at work` +
        (wait > 0 ? `, ${wait.toFixed(1)} ms queued` : "") + `, from ${(entry.start - t0).toFixed(1)} ms`
      if (wait > 0) {
        parts.push(
          `<rect class="wait" x="${x(entry.queuedAt!).toFixed(1)}" y="${y + 9}" width="${
            Math.max(0.5, x(entry.start) - x(entry.queuedAt!)).toFixed(1)
          }" height="6"><title>${escape(details)}</title></rect>`
        )
      }
      parts.push(
        `<rect class="bar" data-outcome="${entry.outcome}" x="${x(entry.start).toFixed(1)}" y="${y + 4}" width="${
          Math.max(1, x(entry.end) - x(entry.start)).toFixed(1)
        }" height="${laneHeight - 9}" fill="${COLORS[entry.outcome]}"><title>${escape(details)}</title></rect>`
      )
    }
    parts.push("</g>")
  })
  // Time axis.
  for (let k = 0; k <= 10; k++) {
    const t = t0 + (duration * k) / 10
    parts.push(
      `<text x="${x(t).toFixed(1)}" y="${top - 10}" text-anchor="middle" class="tick">${(t - t0).toFixed(0)} ms</text>`
    )
  }
  // Utilization: lanes at work over time, as a step line.
  const events = entries.flatMap((entry) => [[entry.start, 1], [entry.end, -1]] as const).sort((a, b) =>
    a[0] - b[0] || a[1] - b[1]
  )
  let busy = 0
  const points: Array<string> = [`${x(t0).toFixed(1)},${utilTop + utilHeight}`]
  const scale = Math.max(1, lanes.length)
  for (const [t, step] of events) {
    const yBefore = utilTop + utilHeight - (busy / scale) * utilHeight
    busy += step
    const yAfter = utilTop + utilHeight - (busy / scale) * utilHeight
    points.push(`${x(t).toFixed(1)},${yBefore.toFixed(1)}`, `${x(t).toFixed(1)},${yAfter.toFixed(1)}`)
  }
  points.push(`${x(t1).toFixed(1)},${utilTop + utilHeight}`)
  parts.push(
    `<g class="utilization"><text x="${left - 8}" y="${
      utilTop + 12
    }" text-anchor="end" class="label">utilization</text>` +
      `<rect x="${left}" y="${utilTop}" width="${width}" height="${utilHeight}" class="frame"/>` +
      `<polyline points="${points.join(" ")}" class="util"/></g>`
  )
  const counts = { success: 0, failure: 0, interrupted: 0 }
  for (const entry of entries) counts[entry.outcome]++
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body { font: 13px system-ui, sans-serif; margin: 20px; color: #222 }
.label { font-size: 12px; fill: #333 } .tick { font-size: 10px; fill: #777 }
.rule { stroke: #eee } .wait { fill: #bbdefb } .frame { fill: #fafafa; stroke: #ddd }
.util { fill: none; stroke: #1e88e5; stroke-width: 1.5 } rect.bar:hover { stroke: #000; stroke-width: 1 }
</style></head>
<body><h1 style="font-size:16px">${escape(title)}</h1>
<p class="summary">${entries.length} tasks on ${lanes.length} lanes in ${
    duration.toFixed(0)
  } ms: ${counts.success} succeeded, ${counts.failure} failed, ${counts.interrupted} interrupted. Hover a bar for its details; pale blue is time spent queued.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 20}" height="${height}">
${parts.join("\n")}
</svg></body></html>
`
}
