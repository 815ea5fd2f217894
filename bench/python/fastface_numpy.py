"""A numpy/scipy version of the fastface rule: scipy.signal.lfilter for the recurrence, numpy for the
counter (runs of x < lambda fire at run_start + toler + k (toler + 1)).

Usage: python3 fastface_numpy.py <losses.f64> <T>
Prints one JSON line: {"impl": "numpy-scipy", "ns_per_step": ..., "decays": [...]}.
"""
import json
import sys
import time

import numpy as np
from scipy.signal import lfilter


def run(L, total_steps, alpha=0.001, beta=0.001, lam=5e-5, tau=0.05, max_decays=8):
    w1 = (1 - alpha) + (1 - beta)
    w2 = (1 - alpha) * (1 - beta)
    w3 = alpha * beta
    toler = int(total_steps * tau)
    g = np.empty_like(L)
    g[0] = 0.0
    g[1:] = L[:-1] - L[1:]
    u = w3 * g
    u[1] = alpha * g[1]  # the official cold start x_1 = alpha (L0 - L1), x_0 = 0
    x = lfilter([1.0], [1.0, -w1, w2], u)
    below = x < lam
    below[0] = False  # no decision at t = 0
    # runs of consecutive True: starts and ends (exclusive)
    edges = np.diff(np.concatenate(([0], below.view(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    fires = []
    period = toler + 1
    for s, e in zip(starts, ends):
        first = s + toler
        if first < e:
            fires.append(np.arange(first, e, period))
    if not fires:
        return []
    allf = np.concatenate(fires)
    return allf[:max_decays].tolist()


def main():
    path, total = sys.argv[1], int(sys.argv[2])
    L = np.fromfile(path, dtype=np.float64)
    run(L[:1000], total)  # warm imports / first-call overheads
    # best of 5 (CPU time of this process), so a loaded machine disturbs the comparison less
    best_cpu = best_wall = float("inf")
    for _ in range(5):
        c0 = time.process_time_ns()
        t0 = time.perf_counter_ns()
        decays = run(L, total)
        best_wall = min(best_wall, time.perf_counter_ns() - t0)
        best_cpu = min(best_cpu, time.process_time_ns() - c0)
    elapsed, cpu = best_wall, best_cpu
    print(json.dumps({"impl": "numpy-scipy", "ns_per_step": elapsed / len(L), "cpu_ns_per_step": cpu / len(L), "decays": [int(d) for d in decays]}))


if __name__ == "__main__":
    main()
