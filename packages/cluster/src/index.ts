/**
 * `@corun/cluster`: corun's tasks beyond one machine, on Effect Cluster
 * with PostgreSQL.
 *
 * | Python (`multiprocessing.managers`)                  | corun                                      |
 * |------------------------------------------------------|--------------------------------------------|
 * | `task_master.py`: `BaseManager` serving a task and a result queue | `ClusterPool.layer(...)`: the `Pool` service on the cluster |
 * | `task_worker.py`: connects, takes tasks, puts results | `ClusterRunner.layer(...)`, the `corun-runner` command |
 * | `authkey=b'abc'`                                      | `secret`: a signed handshake on every connection, signed batches |
 *
 * @since 0.1.0
 */

/**
 * The `Pool` service on a corun cluster (Python's `BaseManager` master).
 *
 * @since 0.1.0
 */
export * as ClusterPool from "./ClusterPool.ts"

/**
 * One machine's share of a corun cluster (Python's `BaseManager` worker).
 *
 * @since 0.1.0
 */
export * as ClusterRunner from "./ClusterRunner.ts"

/**
 * Raised when a runner or client's secret is not the cluster's: it may not
 * join (Python's `multiprocessing.AuthenticationError`).
 *
 * @since 0.1.0
 * @category errors
 */
export { ClusterAuthError } from "./internal/membership.ts"
