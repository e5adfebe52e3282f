/**
 * An OpenTelemetry span exporter that appends each finished span to a file,
 * one JSON object per line (what a collector would receive, in a form a
 * person or a script can read back). Used by `tracing-opentelemetry.ts`.
 *
 * Not a program itself (the harness runs only the top-level `examples/*.ts`).
 */
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base"
import { appendFileSync, readFileSync } from "node:fs"

/** A span as written: ids, name, times in milliseconds since the epoch, attributes, status, events. */
export interface ExportedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly start: number
  readonly end: number
  readonly attributes: Readonly<Record<string, unknown>>
  /** OpenTelemetry's status code: 0 unset, 1 ok, 2 error. */
  readonly status: number
  readonly events: ReadonlyArray<string>
}

const millis = ([seconds, nanos]: readonly [number, number]): number => seconds * 1000 + nanos / 1e6

export class JsonLinesSpanExporter implements SpanExporter {
  readonly file: string
  constructor(file: string) {
    this.file = file
  }

  export(spans: Array<ReadableSpan>, done: Parameters<SpanExporter["export"]>[1]): void {
    const lines = spans.map((span): string =>
      JSON.stringify(
        {
          traceId: span.spanContext().traceId,
          spanId: span.spanContext().spanId,
          parentSpanId: span.parentSpanContext?.spanId,
          name: span.name,
          start: millis(span.startTime),
          end: millis(span.endTime),
          attributes: span.attributes,
          status: span.status.code,
          events: span.events.map((event) => event.name)
        } satisfies ExportedSpan
      )
    )
    appendFileSync(this.file, lines.map((line) => line + "\n").join(""))
    done({ code: 0 })
  }

  shutdown(): Promise<void> {
    return Promise.resolve()
  }
}

/** Reads back what a `JsonLinesSpanExporter` wrote. */
export const readSpans = (file: string): Array<ExportedSpan> =>
  readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line))
