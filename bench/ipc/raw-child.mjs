// The raw baselines of bench/ipc.bench.ts, in a child process
// (`child_process.fork`, "advanced" serialization) or a worker thread
// (`parentPort`, a MessageChannel's port): the same script for both.
//
// Messages from the parent:
//   a number n ≥ 0          echo it back (the round-trip baseline)
//   -1                      leave
//   { produce, warmup }     send `warmup` numbers, wait for "go", then send 0..produce-1
//   "go"                    (after { produce })
import { isMainThread, parentPort } from "node:worker_threads"

const send = isMainThread ? (value) => process.send(value) : (value) => parentPort.postMessage(value)
const on = isMainThread ? (f) => process.on("message", f) : (f) => parentPort.on("message", f)
let count = 0

on((message) => {
  if (typeof message === "number") {
    if (message === -1) {
      if (isMainThread) process.disconnect()
      else parentPort.close()
      return
    }
    send(message)
  } else if (message === "go") {
    for (let i = 0; i < count; i++) send(i)
  } else {
    count = message.produce
    for (let i = 0; i < message.warmup; i++) send(i)
  }
})
