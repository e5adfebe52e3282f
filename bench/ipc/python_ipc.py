"""
Python's multiprocessing.Pipe and multiprocessing.Queue on the workloads of
bench/ipc.bench.ts: one sample per run (the bench runs it once per round,
interleaved with the Node contenders), a JSON line on stdout.

  python3 bench/ipc/python_ipc.py pipe     (LAT_N, LAT_WARMUP)
  python3 bench/ipc/python_ipc.py queue    (N, WARMUP)

- pipe: a Process echoes every number it receives on its end of Pipe();
  LAT_N sequential round trips after LAT_WARMUP, p50 / p99 in microseconds.
- queue: a producer Process puts WARMUP numbers into a Queue, waits for an
  item on a second Queue ("go"), then puts 0..N-1; the parent gets them all,
  timed from putting "go" to the last get; items/s.
Every result is checked (echoed values, the count and sum of the items).
"""
import json
import multiprocessing
import os
import platform
import sys
import time

N = int(os.environ.get("N", "20000"))
WARMUP = int(os.environ.get("WARMUP", "1000"))
LAT_N = int(os.environ.get("LAT_N", "10000"))
LAT_WARMUP = int(os.environ.get("LAT_WARMUP", "1000"))


def check(ok, what):
    if not ok:
        raise SystemExit(f"python_ipc.py: wrong result: {what}")


def quantile(values, q):
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def echo(conn):
    while True:
        n = conn.recv()
        if n == -1:
            conn.close()
            return
        conn.send(n)


def produce(q, go, warmup, count):
    for i in range(warmup):
        q.put(i)
    go.get()
    for i in range(count):
        q.put(i)


def pipe():
    parent_conn, child_conn = multiprocessing.Pipe()
    p = multiprocessing.Process(target=echo, args=(child_conn,))
    p.start()
    for i in range(LAT_WARMUP):
        parent_conn.send(i)
        check(parent_conn.recv() == i, "warm-up echo")
    lat = [0.0] * LAT_N
    perf = time.perf_counter
    for i in range(LAT_N):
        t = perf()
        parent_conn.send(i)
        got = parent_conn.recv()
        lat[i] = (perf() - t) * 1e6
        if got != i:
            check(False, f"echo {got} for {i}")
    parent_conn.send(-1)
    p.join()
    check(p.exitcode == 0, "echo process exit code")
    return {"p50": quantile(lat, 0.5), "p99": quantile(lat, 0.99)}


def queue():
    q = multiprocessing.Queue()
    go = multiprocessing.Queue()
    p = multiprocessing.Process(target=produce, args=(q, go, WARMUP, N))
    p.start()
    for _ in range(WARMUP):
        q.get()
    total = 0
    t = time.perf_counter()
    go.put(1)
    for _ in range(N):
        total += q.get()
    elapsed = time.perf_counter() - t
    check(total == N * (N - 1) // 2, f"sum of the items {total}")
    p.join()
    check(p.exitcode == 0, "producer exit code")
    return {"itemsPerSecond": N / elapsed}


if __name__ == "__main__":
    phase = sys.argv[1] if len(sys.argv) > 1 else "pipe"
    result = pipe() if phase == "pipe" else queue()
    result["python"] = platform.python_version()
    result["start_method"] = multiprocessing.get_start_method()
    print(json.dumps(result))
