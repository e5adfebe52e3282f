/**
 * Who may join, and the key everything is signed with. The cluster's
 * database keeps a random salt and a *verifier* of the secret (an HMAC of a
 * constant under the key), written by the first runner or client to start.
 * The key is derived from the secret with scrypt and that salt, so what the
 * database holds — and what a sniffer of the (unencrypted) handshake sees —
 * costs an attacker an scrypt per guess, not a hash. Every runner and client
 * derives its key and checks it against the verifier before it registers or
 * sends anything: one started with another secret stops at once with
 * `ClusterAuthError`, before it could take a shard (and with it, work).
 * Processes starting together wait for each other on an advisory lock, so
 * the first one alone writes the salt.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import { createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto"

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

/** scrypt's cost: about 50–100 ms once per process here, a guess as much for an attacker. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

/** An arbitrary constant: the advisory lock the members take while they join. */
const JOIN_LOCK = 0x636f7275

/** The key of `secret` under `salt`. */
const deriveKey = (secret: string, salt: string): Effect.Effect<Buffer> =>
  Effect.callback<Buffer>((resume) => {
    scrypt(secret, `corun cluster ${salt}`, 32, SCRYPT, (error, key) => {
      if (error !== null) resume(Effect.die(error))
      else resume(Effect.succeed(key))
    })
  })

const verifierOf = (key: Buffer): string => createHmac("sha256", key).update("corun cluster member").digest("hex")

/**
 * Joins the cluster: the key of `secret`, once it is known to be the
 * cluster's (`check: false`, for tests of the other defences only: the key,
 * whatever the verifier says).
 */
export const join = (
  secret: string,
  who: "runner" | "client",
  check = true
): Effect.Effect<Buffer, ClusterAuthError | SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(${JOIN_LOCK})`
      yield* sql`CREATE TABLE IF NOT EXISTS corun_cluster_secret (
        id INT PRIMARY KEY, salt TEXT NOT NULL, verifier TEXT NOT NULL
      )`
      const rows = yield* sql<{ salt: string; verifier: string }>`
        SELECT salt, verifier FROM corun_cluster_secret WHERE id = 1`
      const row = rows[0]
      if (row === undefined) {
        const salt = randomBytes(16).toString("hex")
        const key = yield* deriveKey(secret, salt)
        yield* sql`INSERT INTO corun_cluster_secret (id, salt, verifier) VALUES (1, ${salt}, ${verifierOf(key)})`
        return key
      }
      const key = yield* deriveKey(secret, row.salt)
      const theirs = Buffer.from(row.verifier, "utf8")
      const ours = Buffer.from(verifierOf(key), "utf8")
      if (check && (theirs.length !== ours.length || !timingSafeEqual(theirs, ours))) {
        return yield* Effect.fail(
          new ClusterAuthError({
            message: `this ${who}'s secret is not the cluster's (CORUN_SECRET differs from the one the cluster's ` +
              "first runner or client started with): it may not join"
          })
        )
      }
      return key
    }))
  })
