#!/usr/bin/env python3
"""Reads a sandbox ledger (`GET /__sandbox/ledger`, JSON on stdin) and prints
one tab-separated line about the removeGroupParticipant requests in it:

    requests  accepted  429s  max_per_1s_window  achieved_rate/s  max_window_after

`max_per_1s_window` counts arrivals (what the client chose to send) in any
sliding one-second window; `achieved_rate` is accepted requests per second
between the first and the last request of any status (so a client whose
refused requests are never retried is not credited for the time it saved); `max_window_after` is the
largest window starting at or after AFTER seconds (argv[1], optional; the
end of an injected stall), or `-`.
"""
import json
import sys


def max_window(times):
    best, i = 0, 0
    for j, t in enumerate(times):
        while t - times[i] >= 1.0:
            i += 1
        best = max(best, j - i + 1)
    return best


def main():
    after = float(sys.argv[1]) if len(sys.argv) > 1 else None
    entries = [e for e in json.load(sys.stdin) if e.get("method") == "removeGroupParticipant"]
    times = sorted(e["at_secs"] for e in entries)
    ok = sorted(e["at_secs"] for e in entries if e.get("status") == 200)
    limited = sum(1 for e in entries if e.get("status") == 429)
    span = times[-1] - times[0] if times else 0.0
    rate = (len(ok) - 1) / span if len(ok) > 1 and span > 0 else 0.0
    tail = max_window([t for t in times if t >= after]) if after is not None else "-"
    print(f"{len(times)}\t{len(ok)}\t{limited}\t{max_window(times)}\t{rate:.3f}\t{tail}")


if __name__ == "__main__":
    main()
