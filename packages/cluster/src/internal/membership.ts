/**
 * Who may join: the cluster's database keeps a *verifier* of its secret
 * (an HMAC of a constant under the key derived from the secret — it does
 * not reveal the secret, and proves nothing but the equality of two
 * secrets), written by the first runner or client to start. Every runner
 * and client checks its own against it before it registers or sends
 * anything: one started with another secret stops at once with
 * `ClusterAuthError`, before it could take a shard (and with it, work).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import { createHmac, timingSafeEqual } from "node:crypto"

/**
 * Raised when a runner or client's secret is not the cluster's: it may not
 * join (Python's `AuthenticationError` for a wrong `authkey`).
 *
 * @since 0.1.0
 * @category errors
 */
export class ClusterAuthError extends Schema.TaggedError<ClusterAuthError>()("ClusterAuthError", {
  message: Schema.String
}) {}

const verifierOf = (key: Buffer): string => createHmac("sha256", key).update("corun cluster member").digest("hex")

/** Checks `key` against the cluster's verifier (recording it when there is none yet). */
export const checkMembership = (
  key: Buffer,
  who: "runner" | "client"
): Effect.Effect<void, ClusterAuthError | SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE IF NOT EXISTS corun_cluster_secret (id INT PRIMARY KEY, verifier TEXT NOT NULL)`
    const mine = verifierOf(key)
    yield* sql`INSERT INTO corun_cluster_secret (id, verifier) VALUES (1, ${mine}) ON CONFLICT (id) DO NOTHING`
    const rows = yield* sql<{ verifier: string }>`SELECT verifier FROM corun_cluster_secret WHERE id = 1`
    const theirs = Buffer.from(rows[0]?.verifier ?? "", "utf8")
    const ours = Buffer.from(mine, "utf8")
    if (theirs.length !== ours.length || !timingSafeEqual(theirs, ours)) {
      return yield* Effect.fail(
        new ClusterAuthError({
          message: `this ${who}'s secret is not the cluster's (CORUN_SECRET differs from the one the cluster's ` +
            "first runner or client started with): it may not join"
        })
      )
    }
  })
