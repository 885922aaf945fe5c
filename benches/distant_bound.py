#!/usr/bin/env python3
"""What any pacer can get on a distant link (issue 22): a model of the
sandbox's sliding-second limit (10 accepted in any second; a refused request
does not count) behind a request leg of 150 ms ± 50 % (uniform, independent
per request), for 150 accepted removals. Prints, per policy, the share of
the limit over the sends (accepted per second between the first and the
last accepted send) and the share of requests refused.

    distant_bound.py [RUNS]

- `fixed P`: one send every 1.01/P s (the pacer's 1 % guard), whatever the
  answers: what a pace can get with no adaptation cost at all.
- `oracle D G`: a client that knows every earlier request's admission time
  and fate exactly (no real client does) and sends the next one as soon as
  the server's window, read D s ahead (its guess of the new request's leg),
  has room, and never sooner than G s after the previous send. An upper
  bound for anything that reads answers to place the next request.
"""
import random
import sys


def outcome(sends, n):
    """The server's verdicts in admission order; the share over the sends
    of the first `n` accepted, and the share refused up to then."""
    order = sorted(range(len(sends)), key=lambda i: sends[i][1])
    accepted, verdict = [], {}
    for i in order:
        a = sends[i][1]
        verdict[i] = sum(1 for x in accepted if a - 1 < x < a) < 10
        if verdict[i]:
            accepted.append(a)
    ok, refused, times = 0, 0, []
    for i, (t, _) in enumerate(sends):
        if verdict[i]:
            ok += 1
            times.append(t)
        else:
            refused += 1
        if ok == n:
            break
    return (ok - 1) / (times[-1] - times[0]) / 10, refused / (ok + refused)


def fixed(pace, seed, n=150):
    rnd = random.Random(seed)
    period = 1.01 / pace
    return outcome([(i * period, i * period + rnd.uniform(0.075, 0.225)) for i in range(int(n * 1.3))], n)


def oracle(delta, gap, seed, n=150):
    rnd = random.Random(seed)
    sends, t = [], 0.0
    while len(sends) < n * 1.25:
        while True:
            accepted = []
            for a in sorted(a for _, a in sends):
                # Admitted before t: the true verdict; later: assume admitted.
                if a >= t or sum(1 for x in accepted if a - 1 < x < a) < 10:
                    accepted.append(a)
            inside = [a for a in accepted if t + delta - 1 < a < t + delta]
            if len(inside) < 10:
                break
            t = min(inside) + 1 - delta + 1e-4
        sends.append((t, t + rnd.uniform(0.075, 0.225)))
        t += gap
    return outcome(sends, n)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    print("| policy | share of the limit over the sends | 429 share |")
    print("|---|---|---|")
    cases = [(f"fixed {p}/s", lambda s, p=p: fixed(p, s)) for p in (11, 10, 9.6, 9.4, 9.2, 9.1, 9.0, 8.7)]
    cases += [(f"oracle, leg guess {d * 1000:.0f} ms, gap {g * 1000:.0f} ms", lambda s, d=d, g=g: oracle(d, g, s))
              for d in (0.075, 0.125) for g in (0.06, 0.08, 0.095)]
    for label, f in cases:
        res = [f(s) for s in range(runs)]
        print(f"| {label} | {100 * sum(x for x, _ in res) / runs:.1f} % | "
              f"{100 * sum(y for _, y in res) / runs:.1f} % |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
