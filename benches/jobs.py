#!/usr/bin/env python3
"""Real job shapes at the real limits (issue 10), against `greenbatch sandbox`
with the documented rate limits and a jittered service time, next to the
peers a user would otherwise write. Prints markdown tables on stdout.

    jobs.py GREENBATCH_BINARY WORKDIR [--quick] [shapes|pacing|outage|instances|star|distant|shards ...]

For each job: the whole process's wall time (start-up, preflight, reads
included), the sends' own time at the chosen pace (operations / pace: the
lower bound) and the ratio of the two, requests by method and 429s, read
from the sandbox's ledger. Peers run the same manifest: the documentation's
`requests` loop with `time.sleep(1/pace)` (benches/doc_loop.py) and GNU
parallel + curl with `--delay 1/pace`. Loopback only; every client runs under
a timeout.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WA = dict(
    id="1101000001",
    token="937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9",
    platform="whatsapp",
    wid="79990000001@c.us",
)
MAX = dict(
    id="3100000001",
    token="ad62e19ad8267f4170bccd9cb663a3026906ff50d32425ae7b",
    platform="max",
    wid="39888725",
)
LATENCY = ["--latency", "150ms", "--latency-jitter", "0.5"]
# A distant link: the request leg jitters too, so requests sent evenly reach
# the limiter bunched (the answer leg alone admits each on arrival).
LATENCY_IN = ["--latency-in", "150ms", "--latency-in-jitter", "0.5"]
CHANGES = ("removeGroupParticipant", "addGroupParticipant", "setGroupAdmin", "removeAdmin")
METHOD = {"remove": "removeGroupParticipant", "add": "addGroupParticipant",
          "promote": "setGroupAdmin", "demote": "removeAdmin"}


def group_id(platform, g):
    return f"1203630439{g:08d}@g.us" if platform == "whatsapp" else f"-1000000{g:07d}"


def person(platform, i):
    return f"7900{i:07d}@c.us" if platform == "whatsapp" else f"{10000000 + i}"


class Job:
    """A manifest and the sandbox state that makes every operation a real change."""

    def __init__(self, name, inst, pace=None):
        self.name, self.inst, self.pace = name, inst, pace
        self.groups = {}  # group -> {member: admin}
        self.ops = []  # (action, group, person)

    def member(self, g, p, admin=False):
        self.groups.setdefault(group_id(self.inst["platform"], g), {})[p] = admin

    def op(self, action, g, p):
        self.ops.append((action, group_id(self.inst["platform"], g), p))

    def state_yaml(self, extra=""):
        i = self.inst
        out = ["instances:",
               f'  - {{ id_instance: "{i["id"]}", token: "{i["token"]}", platform: {i["platform"]}, '
               f'state: authorized, wid: "{i["wid"]}" }}',
               "groups:"]
        for gid, members in self.groups.items():
            out.append(f'  - id: "{gid}"\n    platform: {i["platform"]}\n    owner: "{i["wid"]}"\n'
                       f'    participants:\n      - {{ id: "{i["wid"]}", admin: true }}')
            out += [f'      - {{ id: "{p}", admin: {"true" if a else "false"} }}' for p, a in members.items()]
        return "\n".join(out) + "\n" + extra

    def manifest(self):
        return "action,chat_id,participant_id\n" + "".join(f"{a},{g},{p}\n" for a, g, p in self.ops)


def shapes(quick):
    wa, mx = WA, MAX
    jobs = []
    n = 20 if quick else 50
    j = Job(f"one spammer out of {n} groups", wa)
    for g in range(n):
        for k in range(5):
            j.member(g, person("whatsapp", 1000 + k))
        j.member(g, person("whatsapp", 1))
        j.op("remove", g, person("whatsapp", 1))
    jobs.append(j)
    n = 100 if quick else 300
    j = Job(f"{n} members out of one group", wa)
    for i in range(n):
        j.member(0, person("whatsapp", 10 + i))
        j.op("remove", 0, person("whatsapp", 10 + i))
    jobs.append(j)
    n = 15 if quick else 30
    j = Job(f"a moderator promoted in {n} groups", wa)
    for g in range(n):
        j.member(g, person("whatsapp", 2))
        j.op("promote", g, person("whatsapp", 2))
    jobs.append(j)
    j = Job("mixed: 10 groups of 6, 20 single removals", wa)
    for g in range(10):
        for k in range(4):
            j.member(g, person("whatsapp", 100 + 10 * g + k))
            j.op("remove", g, person("whatsapp", 100 + 10 * g + k))
        j.member(g, person("whatsapp", 500 + g), admin=True)
        j.op("demote", g, person("whatsapp", 500 + g))
        j.op("add", g, person("whatsapp", 600 + g))
    for g in range(10, 30 if not quick else 20):
        j.member(g, person("whatsapp", 3))
        j.op("remove", g, person("whatsapp", 3))
    jobs.append(j)
    # MAX: reads are 10/s, changes 1/s; run at its documented 1/s.
    n = 10 if quick else 20
    j = Job(f"MAX: one spammer out of {n} groups", mx, pace=1)
    for g in range(n):
        j.member(g, person("max", 1))
        j.member(g, person("max", 7))
        j.op("remove", g, person("max", 1))
    jobs.append(j)
    n = 10 if quick else 30
    j = Job(f"MAX: {n} members out of one group", mx, pace=1)
    for i in range(n):
        j.member(0, person("max", 10 + i))
        j.op("remove", 0, person("max", 10 + i))
    jobs.append(j)
    n = 6 if quick else 15
    j = Job(f"MAX: a moderator promoted in {n} groups", mx, pace=1)
    for g in range(n):
        j.member(g, person("max", 2))
        j.op("promote", g, person("max", 2))
    jobs.append(j)
    return jobs


class Sandbox:
    def __init__(self, gb, work, state, args=()):
        self.path = os.path.join(work, "state.yaml")
        with open(self.path, "w") as f:
            f.write(state)
        self.out = open(os.path.join(work, "sandbox.out"), "w+")
        self.proc = subprocess.Popen([gb, "sandbox", "--listen", "127.0.0.1:0", "--state", self.path, *args],
                                     stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        self.url = None
        while time.time() < deadline and self.url is None:
            self.out.seek(0)
            for line in self.out.read().splitlines():
                if line.startswith("apiUrl:"):
                    self.url = line.split()[1]
            if self.proc.poll() is not None:
                self.out.seek(0)
                sys.exit("sandbox failed: " + self.out.read())
            time.sleep(0.05)

    def ledger(self):
        with urllib.request.urlopen(self.url + "/__sandbox/ledger", timeout=30) as r:
            return json.load(r)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.out.close()


def env_for(inst, url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREEN_API_") and k != "GREENBATCH_LOG"}
    env.update(GREEN_API_URL=url, GREEN_API_ID_INSTANCE=inst["id"], GREEN_API_TOKEN_INSTANCE=inst["token"],
               GREEN_API_PLATFORM=inst["platform"])
    return env


def max_window(times):
    times = sorted(times)
    best, i = 0, 0
    for j, t in enumerate(times):
        while t - times[i] >= 1.0:
            i += 1
        best = max(best, j - i + 1)
    return best


def stats(ledger):
    by_method = {}
    for e in ledger:
        by_method[e.get("method")] = by_method.get(e.get("method"), 0) + 1
    changes = [e for e in ledger if e.get("method") in CHANGES]
    admitted = [e["at_secs"] for e in changes if e.get("status") != 429]
    # The sandbox's own windows are per method; report the busiest.
    worst = max((max_window([e["at_secs"] for e in changes if e.get("method") == m and e.get("status") != 429])
                 for m in CHANGES if any(e.get("method") == m for e in changes)), default=0)
    return dict(by_method=by_method, throttled=sum(1 for e in ledger if e.get("status") == 429),
                worst=worst, admitted=admitted,
                changed=sum(1 for e in changes if e.get("changed")))


def methods_text(by_method):
    short = {"removeGroupParticipant": "remove", "addGroupParticipant": "add", "setGroupAdmin": "promote",
             "removeAdmin": "demote", "getGroupData": "read", "getStateInstance": "state",
             "getSettings": "settings"}
    return ", ".join(f"{short.get(m, m)} {n}" for m, n in sorted(by_method.items(), key=lambda kv: -kv[1]))


def run_timed(cmd, env, timeout=900):
    start = time.monotonic()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return time.monotonic() - start, p


def greenbatch(gb, work, job, url, extra=()):
    manifest = os.path.join(work, "m.csv")
    with open(manifest, "w") as f:
        f.write(job.manifest())
    results = os.path.join(work, "m.results.csv")
    if os.path.exists(results):
        os.remove(results)
    pace = ["--rate", f"{job.pace}/s"] if job.pace else []
    wall, p = run_timed([gb, "run", manifest, "--results", results, "--progress", "never", "-q", *pace, *extra],
                        env_for(job.inst, url))
    return wall, p.returncode, p.stderr.decode(errors="replace")


def peer_loop(work, job, url, pace):
    manifest = os.path.join(work, "m.csv")
    wall, p = run_timed([sys.executable, os.path.join(ROOT, "benches", "doc_loop.py"), manifest, str(pace)],
                        env_for(job.inst, url))
    return wall, p.returncode


def peer_parallel(work, job, url, pace):
    if not shutil.which("parallel") or not shutil.which("curl"):
        return None, None
    lines = []
    prefix = "/v3" if job.inst["platform"] == "max" else ""
    field = "chatId" if job.inst["platform"] == "max" else "groupId"
    for a, g, p in job.ops:
        u = f'{url}{prefix}/waInstance{job.inst["id"]}/{METHOD[a]}/{job.inst["token"]}'
        body = json.dumps({field: g, "participantChatId": p})
        lines.append(f"{u}\t{body}\n")
    jobs_file = os.path.join(work, "parallel.tsv")
    with open(jobs_file, "w") as f:
        f.writelines(lines)
    cmd = ["parallel", "-j8", "--delay", f"{1 / pace:.3f}", "--colsep", "\t", "-a", jobs_file,
           "curl", "-s", "-o", "/dev/null", "-m", "30", "-X", "POST", "-H", "Content-Type: application/json",
           "-d", "{2}", "{1}"]
    wall, p = run_timed(cmd, os.environ.copy())
    return wall, p.returncode


def section_shapes(gb, work, quick):
    print("\n### Job shapes at the documented limits (150 ms ± 50 % service time)\n")
    print("| job | client | ops | pace /s | wall s | sends' own s | ratio | requests | 429s | most changes in 1 s | applied |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for job in shapes(quick):
        default = 5 if job.inst["platform"] == "whatsapp" else 0.5
        pace = job.pace or default
        # Each method has its own lane: the busiest one bounds the job.
        per_method = {}
        for a, _, _ in job.ops:
            per_method[a] = per_method.get(a, 0) + 1
        own = max(per_method.values()) / pace
        clients = [("greenbatch", None), ("requests loop, sleep(1/pace)", peer_loop),
                   ("parallel -j8 --delay 1/pace curl", peer_parallel)]
        if quick:
            clients = clients[:1]
        for label, peer in clients:
            sb = Sandbox(gb, work, job.state_yaml(), LATENCY)
            try:
                if peer is None:
                    wall, code, err = greenbatch(gb, work, job, sb.url)
                    label = f"greenbatch (exit {code})"
                else:
                    wall, code = peer(work, job, sb.url, pace)
                    if wall is None:
                        continue
                s = stats(sb.ledger())
            finally:
                sb.stop()
            print(f"| {job.name} | {label} | {len(job.ops)} | {pace:g} | {wall:.2f} | {own:.1f} | "
                  f"**{wall / own:.2f}** | {methods_text(s['by_method'])} | {s['throttled']} | {s['worst']} | "
                  f"{s['changed']} of {len(job.ops)} |")
            sys.stdout.flush()


def removals(n, inst=WA, pace=10):
    j = Job(f"{n} removals", inst, pace=pace)
    for i in range(n):
        j.member(0, person(inst["platform"], 10 + i))
        j.op("remove", 0, person(inst["platform"], 10 + i))
    return j


def section_pacing(gb, work, quick):
    print("\n### Pacing against the limit, on a jittered link (150 ms ± 50 % service time)\n")
    print("| case | requests | 429s | 429 share | accepted /s | of the server's limit | most in 1 s | note |")
    print("|---|---|---|---|---|---|---|---|")
    secs = 20 if quick else 60
    # 1. pace = limit (10/s).
    job = removals(secs * 10)
    sb = Sandbox(gb, work, job.state_yaml(), LATENCY)
    wall, code, _ = greenbatch(gb, work, job, sb.url, ["-q"])
    led = sb.ledger()
    sb.stop()
    pacing_row("pace = limit = 10/s", led, 10, f"exit {code}, {wall:.1f} s")
    # 1b. At the limit, with 1 % of requests refused by chance: each 429 is
    # news, not a verdict.
    job = removals(secs * 10)
    extra = ("seed: 3\nfaults:\n  - fault: { kind: too_many_requests }\n"
             "    method: removeGroupParticipant\n    probability: 0.01\n")
    sb = Sandbox(gb, work, job.state_yaml(extra), LATENCY)
    wall, code, _ = greenbatch(gb, work, job, sb.url)
    led = sb.ledger()
    sb.stop()
    pacing_row("pace = limit, 1 % of requests get a 429 by chance", led, 10, f"exit {code}, {wall:.1f} s")
    # 2. The server's limit is half the pace.
    job = removals(secs * 5)
    extra = "limits:\n  rates:\n    removeGroupParticipant: 5\n"
    sb = Sandbox(gb, work, job.state_yaml(extra), LATENCY)
    wall, code, _ = greenbatch(gb, work, job, sb.url)
    led = sb.ledger()
    sb.stop()
    pacing_row("server limit 5/s, pace 10/s: after the first 10 s", led, 5, f"exit {code}, {wall:.1f} s", after=10.0)
    pacing_row("server limit 5/s, pace 10/s: whole run", led, 5, f"exit {code}")
    # 3. A 4 s stall: every request arriving in [5 s, 9 s) is answered 4 s late.
    job = removals(secs * 5)
    extra = "faults:\n  - fault: { kind: latency, ms: 4000 }\n    between: [5, 9]\n"
    sb = Sandbox(gb, work, job.state_yaml(extra), LATENCY)
    wall, code, _ = greenbatch(gb, work, job, sb.url)
    led = sb.ledger()
    sb.stop()
    pacing_row("pace = limit, 4 s stall at 5 s: from 9 s on", led, 10, f"exit {code}, {wall:.1f} s", after=9.0)
    # 4. A distant link (issue 22): the request leg jitters as well.
    distant_case(gb, work, seed=1)


def distant_case(gb, work, seed):
    """pace = limit = 10/s, 150 removals, 150 ms ± 50 % on the request leg
    as well as the answer's: arrivals bunch at the limiter. The share of the
    limit over the sends (first to last accepted) and over the process
    (accepted / wall time, start-up and preflight included)."""
    job = removals(150)
    sb = Sandbox(gb, work, job.state_yaml(), [*LATENCY, *LATENCY_IN, "--seed", str(seed)])
    wall, code, _ = greenbatch(gb, work, job, sb.url)
    led = sb.ledger()
    sb.stop()
    pacing_row(f"pace = limit = 10/s, 150 ms ± 50 % on the request leg too (seed {seed})", led, 10,
               f"exit {code}, {wall:.1f} s", wall=wall)


def section_distant(gb, work, quick):
    """The distant-link case alone, over several seeds (issue 22)."""
    print("\n### The pace on a distant link: 150 ms ± 50 % on both legs, 150 removals at 10/s\n")
    print("| case | requests | 429s | 429 share | accepted /s | of the server's limit | most in 1 s | note |")
    print("|---|---|---|---|---|---|---|---|")
    for seed in ((1,) if quick else (1, 2, 3, 4, 5)):
        distant_case(gb, work, seed)
    # What any pace can get on this link: a fixed schedule that never adapts
    # (each send on its own thread, a refused removal sent again in a later
    # slot), at a few paces around the limit.
    for pace in ((10, 9.1) if quick else (11, 10, 9.5, 9.1, 8.7)):
        for seed in ((1,) if quick else (1, 2, 3)):
            job = removals(150)
            sb = Sandbox(gb, work, job.state_yaml(), [*LATENCY, *LATENCY_IN, "--seed", str(seed)])
            start = time.monotonic()
            fixed_schedule(job, sb.url, pace)
            wall = time.monotonic() - start
            led = sb.ledger()
            sb.stop()
            pacing_row(f"fixed schedule at {pace}/s, no adaptation (seed {seed})", led, 10,
                       f"{wall:.1f} s", wall=wall)


def fixed_schedule(job, url, pace):
    """Sends `job`'s removals one per 1/pace seconds, whatever the answers;
    a 429 puts the removal back at the end of the queue."""
    import queue
    import threading
    todo = queue.Queue()
    for op in job.ops:
        todo.put(op)
    pending = [len(job.ops)]
    lock = threading.Lock()
    inst = job.inst

    def send(op):
        _, g, p = op
        u = f'{url}/waInstance{inst["id"]}/removeGroupParticipant/{inst["token"]}'
        req = urllib.request.Request(u, data=json.dumps({"groupId": g, "participantChatId": p}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        try:
            urllib.request.urlopen(req, timeout=30).read()
            with lock:
                pending[0] -= 1
        except urllib.error.HTTPError as e:
            if e.code != 429:
                raise
            todo.put(op)

    start = time.monotonic()
    slot, threads = 0, []
    while True:
        with lock:
            if pending[0] == 0:
                break
        time.sleep(max(0.0, start + slot / pace - time.monotonic()))
        slot += 1
        try:
            op = todo.get_nowait()
        except queue.Empty:
            continue
        t = threading.Thread(target=send, args=(op,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()


def pacing_row(label, ledger, limit, note, after=None, wall=None):
    """One row: requests, 429s, accepted per second between the first and the
    last accepted request (times are when each was sent, `at_secs`) as a
    share of the limit; with `wall`, also accepted over the whole process."""
    reqs = [e for e in ledger if e.get("method") == "removeGroupParticipant"]
    if after is not None:
        start = min(e["at_secs"] for e in reqs)
        reqs = [e for e in reqs if e["at_secs"] - start >= after]
    ok = sorted(e["at_secs"] for e in reqs if e.get("status") == 200)
    limited = sum(1 for e in reqs if e.get("status") == 429)
    span = ok[-1] - ok[0] if len(ok) > 1 else 0
    rate = (len(ok) - 1) / span if span else 0
    if wall:
        note += f", over the process **{100 * len(ok) / wall / limit:.1f} %**"
    print(f"| {label} | {len(reqs)} | {limited} | {100 * limited / max(1, len(reqs)):.1f} % | {rate:.2f} | "
          f"**{100 * rate / limit:.1f} %** | {max_window(ok)} | {note} |")
    sys.stdout.flush()


def section_outage(gb, work, quick):
    print("\n### A 10 s outage: 502 on every removal, 1.5 s into a 40-removal run\n")
    print("| client | exit | wall s | requests | during the outage | probes' gaps s | outcomes |")
    print("|---|---|---|---|---|---|---|")
    job = removals(40, pace=10)
    extra = ("faults:\n  - fault: { kind: bad_gateway }\n    method: removeGroupParticipant\n"
             "    between: [1.5, 11.5]\n")
    for label, args in [("greenbatch (default patience 5m)", []),
                        ("greenbatch --outage-patience 0s (the old behaviour)", ["--outage-patience", "0s"])]:
        sb = Sandbox(gb, work, job.state_yaml(extra), LATENCY)
        wall, code, _ = greenbatch(gb, work, job, sb.url, args)
        led = sb.ledger()
        sb.stop()
        rem = sorted((e for e in led if e.get("method") == "removeGroupParticipant"), key=lambda e: e["at_secs"])
        during = [e["at_secs"] for e in rem if 1.5 <= e["at_secs"] < 11.5]
        gaps = [round(b - a, 1) for a, b in zip(during, during[1:])]
        results = os.path.join(work, "m.results.csv")
        outcomes = {}
        with open(results) as f:
            next(f)
            for line in f:
                o = line.split(",")[8]
                outcomes[o] = outcomes.get(o, 0) + 1
        print(f"| {label} | {code} | {wall:.1f} | {len(rem)} | {len(during)} | {gaps[-8:]} | {outcomes} |")
        sys.stdout.flush()


def fleet(n_inst, removals, paces):
    """`n_inst` WhatsApp instances, instance k at pace `paces[k % len]` with
    `removals(k)` members to remove from its own group: the sandbox state,
    the manifest's lines, the instances file (api_url `URL`) and the tokens'
    variables."""
    insts, groups, manifest, instances_yaml, env = [], [], ["action,chat_id,participant_id,instance"], [], {}
    for k in range(n_inst):
        iid = f"11020{k:05d}"
        token = f"{k:050x}"
        wid = f"7998{k:07d}@c.us"
        insts.append(f'  - {{ id_instance: "{iid}", token: "{token}", platform: whatsapp, state: authorized, wid: "{wid}" }}')
        gid = f"1203630440{k:08d}@g.us"
        members = [f"79{k:05d}{i:04d}@c.us" for i in range(removals(k))]
        groups.append(f'  - id: "{gid}"\n    platform: whatsapp\n    owner: "{wid}"\n    participants:\n'
                      f'      - {{ id: "{wid}", admin: true }}\n' + "".join(f'      - "{m}"\n' for m in members))
        name = f"i{k}"
        manifest += [f"remove,{gid},{m},{name}" for m in members]
        instances_yaml.append(f"- name: {name}\n  platform: whatsapp\n  api_url: URL\n  id_instance: \"{iid}\"\n"
                              f"  token_env: GREEN_API_BENCH_{k}_TOKEN\n  rate: {paces[k % len(paces)]}\n")
        env[f"GREEN_API_BENCH_{k}_TOKEN"] = token
    state = "instances:\n" + "\n".join(insts) + "\ngroups:\n" + "".join(groups)
    return state, manifest, "".join(instances_yaml), env


def write_fleet(work, url, manifest, instances_yaml, env, name="many"):
    """The fleet's manifest and instances file in `work`, and the process
    environment with its tokens."""
    m = os.path.join(work, f"{name}.csv")
    with open(m, "w") as f:
        f.write("\n".join(manifest) + "\n")
    inst_file = os.path.join(work, "instances.yaml")
    with open(inst_file, "w") as f:
        f.write(instances_yaml.replace("URL", url))
    e = {k: v for k, v in os.environ.items() if not k.startswith("GREEN_API_")}
    e.update(env)
    return m, inst_file, e


def per_instance(led, n_inst, paces):
    """Sum over instances of each one's accepted removals per second (first
    to last), the sum of their paces, and the most any went over its limit
    in one second."""
    achieved, total_pace, worst_over = 0.0, 0.0, 0
    by_inst = {}
    for x in led:
        if x.get("method") == "removeGroupParticipant" and x.get("status") == 200:
            by_inst.setdefault(x.get("instance"), []).append(x["at_secs"])
    for k in range(n_inst):
        ok = sorted(by_inst.get(f"11020{k:05d}", []))
        span = ok[-1] - ok[0] if len(ok) > 1 else 0
        achieved += (len(ok) - 1) / span if span else 0
        total_pace += paces[k % len(paces)]
        worst_over = max(worst_over, max_window(ok) - 10)
    return achieved, total_pace, max(0, worst_over)


def section_instances(gb, work, quick):
    n_inst = 50 if quick else 200
    per = 20
    paces = [2, 5, 10]
    print(f"\n### {n_inst} instances in one process, {per} removals each, each at its own pace\n")
    state, manifest, instances_yaml, env = fleet(n_inst, lambda k: per, paces)
    sb = Sandbox(gb, work, state, LATENCY)
    try:
        m, inst_file, e = write_fleet(work, sb.url, manifest, instances_yaml, env)
        wall, p = run_timed([gb, "run", m, "--instances", inst_file, "--progress", "never", "-q",
                             "--results", os.path.join(work, "many.results.csv")], e)
        led = sb.ledger()
    finally:
        sb.stop()
    achieved, total_pace, worst_over = per_instance(led, n_inst, paces)
    throttled = sum(1 for x in led if x.get("status") == 429)
    print("| instances | removals | exit | wall s | sum of paces /s | sum of achieved /s | share | 429s | most over the limit in 1 s |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {n_inst} | {n_inst * per} | {p.returncode} | {wall:.1f} | {total_pace:.0f} | {achieved:.1f} | "
          f"**{achieved / total_pace:.3f}** | {throttled} | {worst_over} |")


def section_shards(gb, work, quick):
    """One manifest over many instances as 3 local processes (`--shard
    K/3`) against one sandbox, next to the same work in one process (issue
    25). Each instance has `secs` seconds of removals at its pace, so that
    all of them are busy for the same time and the aggregate rate (accepted
    removals per second from the first to the last, over every instance)
    can reach the sum of the paces."""
    n_inst = 150 if quick else 600
    secs = 6 if quick else 10
    paces = [2, 5, 10]
    rounds = 1 if quick else 2
    state, manifest, instances_yaml, env = fleet(n_inst, lambda k: paces[k % 3] * secs, paces)
    removals = len(manifest) - 1
    print(f"\n### {n_inst} instances, {secs} s of removals each at its own pace: 3 processes against 1\n")
    print("| round | processes | instances each | removals | exits | wall s | greenbatch CPU s | sum of paces /s | "
          "aggregate accepted /s | share | sum of achieved /s | share | 429s | most over the limit in 1 s | applied |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in range(1, rounds + 1):
        for n in (1, 3):
            run_dir = tempfile.mkdtemp(dir=work, prefix=f"shards-{n}-")
            sb = Sandbox(gb, run_dir, state, LATENCY)
            try:
                m, inst_file, e = write_fleet(run_dir, sb.url, manifest, instances_yaml, env)
                base = [gb, "run", m, "--instances", inst_file, "--progress", "never", "-q"]
                cmds = [base] if n == 1 else [base + ["--shard", f"{k}/{n}"] for k in range(1, n + 1)]
                cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.monotonic()
                procs = [subprocess.Popen(c, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in cmds]
                codes = [p.wait(timeout=900) for p in procs]
                wall = time.monotonic() - start
                cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                led = sb.ledger()
            finally:
                sb.stop()
            cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
            each = [sum(1 for line in open(os.path.join(run_dir, f))) - 1 for f in sorted(os.listdir(run_dir))
                    if f.endswith(".results.csv")]
            insts = [len({line.split(",")[4] for line in list(open(os.path.join(run_dir, f)))[1:]})
                     for f in sorted(os.listdir(run_dir)) if f.endswith(".results.csv")]
            ok = sorted(x["at_secs"] for x in led
                        if x.get("method") == "removeGroupParticipant" and x.get("status") == 200)
            aggregate = (len(ok) - 1) / (ok[-1] - ok[0]) if len(ok) > 1 else 0
            achieved, total_pace, worst_over = per_instance(led, n_inst, paces)
            throttled = sum(1 for x in led if x.get("status") == 429)
            changed = sum(1 for x in led if x.get("method") == "removeGroupParticipant" and x.get("changed"))
            print(f"| {r} | {n} | {', '.join(map(str, insts))} | {removals} | {codes} | {wall:.1f} | {cpu:.1f} | "
                  f"{total_pace:.0f} | {aggregate:.0f} | **{aggregate / total_pace:.3f}** | {achieved:.0f} | "
                  f"{achieved / total_pace:.3f} | {throttled} | {worst_over} | {changed} of {removals} ({sum(each)} rows) |")
            sys.stdout.flush()


def section_star(gb, work, quick):
    """`remove,*,P`: one person out of every group of the instance (issue 22),
    the person in a few of them. Each group where they are not costs a
    getGroupData read (0.95/s on WhatsApp) to prove it, each where they are
    a removal at the pace: the lower bound is the slower of the two lanes."""
    print("\n### One person out of every group: `remove,*,P` (150 ms ± 50 % service time)\n")
    print("| groups | person in | exit | wall s | sends at the pace s | reads needed at the read pace s | "
          "bound s | ratio | requests | 429s | applied |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in ((12,) if quick else (12, 200)):
        j = Job(f"remove,* over {n} groups", WA)
        for g in range(n):
            for k in range(3):
                j.member(g, person("whatsapp", 1000 + k))
            if g in (0, n // 3, 2 * n // 3):
                j.member(g, person("whatsapp", 1))
        inside = sum(1 for members in j.groups.values() if person("whatsapp", 1) in members)
        j.ops = [("remove", "*", person("whatsapp", 1))]
        sends, reads = inside / 5, (n - inside) / 0.95
        bound = max(sends, reads)
        sb = Sandbox(gb, work, j.state_yaml(), LATENCY)
        try:
            wall, code, err = greenbatch(gb, work, j, sb.url)
            s = stats(sb.ledger())
        finally:
            sb.stop()
        print(f"| {n} | {inside} | {code} | {wall:.1f} | {sends:.1f} | {reads:.1f} | {bound:.1f} | "
              f"**{wall / bound:.2f}** | {methods_text(s['by_method'])} | {s['throttled']} | {s['changed']} of {inside} |")
        sys.stdout.flush()


def main():
    gb, work = sys.argv[1], sys.argv[2]
    quick = "--quick" in sys.argv[3:]
    wanted = [a for a in sys.argv[3:] if not a.startswith("--")] or ["shapes", "pacing", "outage", "instances"]
    os.makedirs(work, exist_ok=True)
    work = tempfile.mkdtemp(dir=work, prefix="jobs-")
    for section in wanted:
        {"shapes": section_shapes, "pacing": section_pacing, "outage": section_outage,
         "instances": section_instances, "star": section_star, "distant": section_distant,
         "shards": section_shards}[section](gb, work, quick)


if __name__ == "__main__":
    main()
