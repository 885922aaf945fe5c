#!/usr/bin/env python3
"""Generates benchmark inputs (never committed): a CSV manifest of N removals
spread over groups of 1,000 members, and a sandbox state file holding exactly
those members, so every removal in the manifest is valid and answers true.

    gen.py manifest N OUT.csv        # action,chat_id,participant_id
    gen.py state N OUT.yaml [RATE]   # sandbox state; RATE/s for remove when given
"""
import sys

WA_MAIN = "1101000001"
TOKEN = "937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9"
WID = "79990000001@c.us"
PER_GROUP = 1000


def group(g):
    return f"1203630439{g:08d}@g.us"


def person(i):
    return f"7900{i:07d}@c.us"


def manifest(n, out):
    with open(out, "w") as f:
        f.write("action,chat_id,participant_id\n")
        for i in range(n):
            f.write(f"remove,{group(i // PER_GROUP)},{person(i)}\n")


def state(n, out, rate=None):
    with open(out, "w") as f:
        f.write("instances:\n")
        f.write(f'  - id_instance: "{WA_MAIN}"\n    token: "{TOKEN}"\n')
        f.write(f'    platform: whatsapp\n    state: authorized\n    wid: "{WID}"\n')
        f.write("groups:\n")
        for g in range((n + PER_GROUP - 1) // PER_GROUP):
            f.write(f'  - id: "{group(g)}"\n    platform: whatsapp\n')
            f.write(f'    subject: "bench {g}"\n    owner: "{WID}"\n    participants:\n')
            f.write(f'      - {{ id: "{WID}", admin: true }}\n')
            for i in range(g * PER_GROUP, min(n, (g + 1) * PER_GROUP)):
                f.write(f'      - "{person(i)}"\n')
        if rate is not None:
            f.write(f"limits:\n  enabled: true\n  rates:\n    removeGroupParticipant: {rate}\n")


if __name__ == "__main__":
    kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if kind == "manifest":
        manifest(n, out)
    elif kind == "state":
        state(n, out, int(sys.argv[4]) if len(sys.argv) > 4 else None)
    else:
        sys.exit(f"unknown kind {kind}")
