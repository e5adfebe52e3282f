/**
 * Effect Cluster keeps every persisted message and reply forever (its SQL
 * storage never deletes a processed one). A runner sweeps them: processed
 * messages whose answer is older than the retention, with their replies.
 * Rows carry no time, but their ids are Effect Cluster snowflakes, whose
 * top bits are the milliseconds since 2025-01-01: "answered before the
 * cut-off" is "last reply id below the snowflake of the cut-off" (the
 * reply's id, made when it was saved — not the message's, made when it
 * was sent, which may have waited long). Processed messages that need no
 * reply (interruptions, acknowledgements) go by their own id. Every runner
 * sweeps (the deletes are idempotent); a batch's primary key is forgotten
 * with its message, which is safe because batch ids are never reused. The
 * retention must outlast the longest a caller takes to read its reply.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"

/** Effect Cluster's snowflake epoch (`Snowflake.constEpochMillis`). */
const SNOWFLAKE_EPOCH = Date.UTC(2025, 0, 1)

/** The smallest snowflake id made at `millis` (ids below it are older). */
export const snowflakeAt = (millis: number): bigint => BigInt(Math.max(0, millis - SNOWFLAKE_EPOCH)) << 22n

/** Deletes processed messages answered longer than `retention` ago, and their replies; how many messages went. */
export const sweep = (retention: Duration.Duration): Effect.Effect<number, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const cutoff = String(snowflakeAt(Date.now() - Duration.toMillis(retention)))
    // Replies first, by the same test (a message answered now has a reply
    // id far above the cut-off: nothing changes between the two deletes).
    const old = sql`processed AND (
      last_reply_id < ${cutoff}::bigint OR (last_reply_id IS NULL AND id < ${cutoff}::bigint)
    )`
    return yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`DELETE FROM cluster_replies WHERE request_id IN (SELECT request_id FROM cluster_messages WHERE ${old})`
      const deleted = yield* sql<{ id: string }>`DELETE FROM cluster_messages WHERE ${old} RETURNING id`
      return deleted.length
    }))
  })

/** Sweeps every `interval` for the scope (a failed sweep is logged and tried again next time). */
export const sweepEvery = (
  retention: Duration.Duration,
  interval: Duration.Duration
): Effect.Effect<void, never, SqlClient.SqlClient> =>
  sweep(retention).pipe(
    Effect.catchCause((cause) => Effect.logWarning("corun cluster: sweeping processed messages failed", cause)),
    Effect.repeat(Schedule.spaced(interval)),
    Effect.asVoid
  )
