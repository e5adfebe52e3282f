// The worker script of workerpool in bench/pool.bench.ts: the same two tasks
// as peer-worker.mjs, registered by name.
import workerpool from "workerpool"

workerpool.worker({
  noop: (x) => x,
  sum: ({ from, to }) => {
    let total = 0
    for (let n = from; n < to; n++) total += n
    return total
  }
})
