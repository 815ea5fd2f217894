"""A straightforward Python loop of the fastface rule (official MHLR recurrence + decision rule).

Usage: python3 fastface_loop.py <losses.f64> <T> [alpha beta lambda tau delta maxDecays]
Prints one JSON line: {"impl": "python-loop", "ns_per_step": ..., "decays": [...]}.
"""
import json
import sys
import time
from array import array


def run(losses, total_steps, alpha=0.001, beta=0.001, lam=5e-5, tau=0.05, delta=2.0, max_decays=8):
    w1 = (1 - alpha) + (1 - beta)
    w2 = (1 - alpha) * (1 - beta)
    w3 = alpha * beta
    toler = int(total_steps * tau)
    count = 0
    events = 0
    lr = 1.0
    x1 = 0.0
    x2 = 0.0
    prev = losses[0]
    decays = []
    for t in range(1, len(losses)):
        loss = losses[t]
        g = prev - loss
        prev = loss
        x = alpha * g if t == 1 else w1 * x1 - w2 * x2 + w3 * g
        x2 = x1
        x1 = x
        if x < lam:
            if count < toler:
                count += 1
            else:
                count = 0
                events += 1
                if events <= max_decays:
                    lr /= delta
                    decays.append(t)
        else:
            count = 0
    return decays


def main():
    path, total = sys.argv[1], int(sys.argv[2])
    extra = [float(v) for v in sys.argv[3:]]
    losses = array("d")
    with open(path, "rb") as f:
        losses.frombytes(f.read())
    values = losses.tolist()
    # best of 2 (CPU time of this process), so a loaded machine disturbs the comparison less
    best_cpu = best_wall = float("inf")
    for _ in range(2):
        c0 = time.process_time_ns()
        t0 = time.perf_counter_ns()
        decays = run(values, total, *extra[:5], *(int(v) for v in extra[5:6]))
        best_wall = min(best_wall, time.perf_counter_ns() - t0)
        best_cpu = min(best_cpu, time.process_time_ns() - c0)
    elapsed, cpu = best_wall, best_cpu
    print(json.dumps({"impl": "python-loop", "ns_per_step": elapsed / len(values), "cpu_ns_per_step": cpu / len(values), "decays": decays}))


if __name__ == "__main__":
    main()
