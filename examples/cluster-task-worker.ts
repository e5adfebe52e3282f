/**
 * Port of `task_worker.py`, the worker of the distributed-processes program
 * of the Chinese tutorial (“分布式进程”): a process on another machine (or
 * this one) that connects to the master's queues with the shared `authkey`
 * and works on the tasks it takes:
 *
 * ```python
 * QueueManager.register('get_task_queue')
 * QueueManager.register('get_result_queue')
 * m = QueueManager(address=(server_addr, 5000), authkey='abc')
 * m.connect()
 * task = m.get_task_queue()
 * result = m.get_result_queue()
 * for i in range(10):
 *     n = task.get(timeout=1)
 *     print('run task %d * %d...' % (n, n))
 *     r = '%d * %d = %d' % (n, n, n*n)
 *     time.sleep(1)
 *     result.put(r)
 * ```
 *
 * In corun the worker is a cluster runner: it joins the cluster through its
 * PostgreSQL, proves the shared secret on every connection (the `authkey`),
 * and runs the tasks it is sent on its own pool until it is stopped
 * (Ctrl-C). Its settings come from the environment (`ClusterRunner.config`):
 *
 *   DATABASE_URL=postgres://… CORUN_SECRET=abc pnpm tsx examples/cluster-task-worker.ts
 *
 * (`CORUN_PORT` for a second worker on the same machine). See the README's
 * "Scaling out"; `cluster-task-master.ts` alone starts a database and this
 * worker itself.
 */
import { ClusterRunner } from "@corun/cluster"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const env: Record<string, string> = {
  // The tasks this worker can run: the module the master's tasks come from.
  CORUN_TASKS: new URL("./tasks/square-report.ts", import.meta.url).href
}
for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value

if (env.DATABASE_URL === undefined || env.CORUN_SECRET === undefined) {
  console.error("set DATABASE_URL and CORUN_SECRET (see the README's \"Scaling out\")")
  process.exit(2)
}

console.log(`worker: joining the cluster, listening on port ${env.CORUN_PORT ?? 34431}; Ctrl-C stops it`)
Layer.launch(ClusterRunner.layerConfig).pipe(
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })),
  NodeRuntime.runMain
)
