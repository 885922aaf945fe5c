#!/usr/bin/env bash
# End-to-end benchmarks for greenbatch (issue 7); BENCHMARKS.md holds results.
#
#   benches/run.sh [--quick] [overhead] [pacing] [scale] [jobs]
#
# Sections (all when none is named):
#   overhead  no pacing, N operations against nginx and the sandbox, next to wrk
#   pacing    10/s against the sandbox's sliding-second limit, a 4 s stall,
#             a python `requests` loop and GNU parallel + curl
#   scale     validate, plan and a rerun that sends nothing at 10k..1M operations
#   jobs      real job shapes at the documented limits with a 150 ms +-50 %
#             service time (benches/jobs.py): wall time against the sends' own
#             time, peers beside it, pacing against the limit, an outage,
#             and 200 instances in one process
#
# Installs what is missing from Debian (wrk, nginx-light, parallel, curl, time)
# and python3 `requests` via pip, builds the release binary, prints markdown
# tables (also kept in $BENCH_DIR/report.md). Loopback traffic only; every
# client runs under `timeout`. Full: ~7 min on 2 cores; --quick: ~1.5 min.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-/tmp/greenbatch-bench}
# GREENBATCH=/path/to/greenbatch measures another build (say, an older commit's).
GB=${GREENBATCH:-$ROOT/target/release/greenbatch}
FIXTURE=$ROOT/target/release/examples/bench_results
CLIENTS=$ROOT/target/release/examples/http_clients
QUICK=0
SECTIONS=()
for arg in "$@"; do
  case $arg in
    --quick) QUICK=1 ;;
    overhead|pacing|scale|jobs) SECTIONS+=("$arg") ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done
[ ${#SECTIONS[@]} -gt 0 ] || SECTIONS=(overhead pacing scale jobs)
mkdir -p "$WORK"
REPORT=$WORK/report.md
: > "$REPORT"

ID=1101000001
TOKEN=937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9
export GREEN_API_ID_INSTANCE=$ID GREEN_API_TOKEN_INSTANCE=$TOKEN GREEN_API_PLATFORM=whatsapp
PIDS=()

say() { printf '%s\n' "$*" | tee -a "$REPORT"; }
log() { printf '# %s\n' "$*" >&2; }
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

setup() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  command -v parallel >/dev/null || missing+=(parallel)
  command -v curl >/dev/null || missing+=(curl)
  [ -x /usr/bin/time ] || missing+=(time)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  python3 -c 'import requests' 2>/dev/null || python3 -m pip install -q requests
  log "building (release)"
  (cd "$ROOT" && cargo build --release --quiet --bin greenbatch --example bench_results --example http_clients)
  log "measuring $("$GB" --version)"
}

# timed OUT CMD...: runs CMD, keeps "wall user sys maxrss_kb" in $WORK/time.
timed() {
  local out=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" timeout 600 "$@" > "$out" 2>&1 \
    || log "exit $? from ${*:1:2}"
  sed -i '/^Command exited/d' "$WORK/time"
}
t_wall() { awk '{print $1}' "$WORK/time"; }
t_cpu() { awk '{print $2 + $3}' "$WORK/time"; }
t_rss_mb() { awk '{printf "%.1f", $4 / 1024}' "$WORK/time"; }
calc() { python3 -c "print(format($1, '$2'))"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_sandbox ARGS...: sets SB_PID and SB_URL.
start_sandbox() {
  "$GB" sandbox --listen 127.0.0.1:0 "$@" > "$WORK/sandbox.out" 2>&1 &
  SB_PID=$!
  PIDS+=("$SB_PID")
  for _ in $(seq 600); do
    grep -qs '^apiUrl:' "$WORK/sandbox.out" && break
    kill -0 "$SB_PID" 2>/dev/null || { cat "$WORK/sandbox.out" >&2; exit 1; }
    sleep 0.1
  done
  SB_URL=$(awk '/^apiUrl:/{print $2}' "$WORK/sandbox.out")
}
stop_sandbox() { kill "$SB_PID" 2>/dev/null || true; wait "$SB_PID" 2>/dev/null || true; }
ledger() { curl -s "$SB_URL/__sandbox/ledger"; }

start_nginx() {
  NG_PORT=$(free_port)
  mkdir -p "$WORK/nginx"
  cat > "$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  keepalive_requests 10000000;
  server {
    listen 127.0.0.1:$NG_PORT;
    location ~ /getStateInstance/ { default_type application/json; return 200 '{"stateInstance":"authorized"}'; }
    location / { default_type application/json; return 200 '{"removeParticipant":true}'; }
  }
}
EOF
  nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' 2>"$WORK/nginx/stderr" &
  NG_PID=$!
  PIDS+=("$NG_PID")
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$NG_PORT/" && break; sleep 0.1; done
}

gen() { # gen manifest|state N [RATE] -> path
  local kind=$1 n=$2 f
  if [ "$kind" = manifest ]; then f=$WORK/m$n.csv; else f=$WORK/s$n${3:+-r$3}.yaml; fi
  [ -s "$f" ] || python3 "$ROOT/benches/gen.py" "$kind" "$n" "$f" ${3:+"$3"}
  echo "$f"
}

# ---- 1. engine overhead -------------------------------------------------
WRK_ROW=""
wrk_run() { # wrk_run URL LABEL -> sets WRK_RATE
  local url=$1/waInstance$ID/removeGroupParticipant/$TOKEN
  cat > "$WORK/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"groupId":"120363043900000000@g.us","participantChatId":"79000000000@c.us"}'
wrk.headers["Content-Type"] = "application/json"
EOF
  timed "$WORK/wrk.out" wrk -t2 -c"$CONC" -d"${DUR}s" -s "$WORK/post.lua" "$url"
  local reqs; reqs=$(awk '/requests in/{print $1}' "$WORK/wrk.out")
  WRK_RATE=$(awk '/Requests\/sec/{print $2}' "$WORK/wrk.out")
  WRK_ROW="| $2 | wrk -t2 -c$CONC -d${DUR}s | $reqs | $(t_wall) | $(calc "$WRK_RATE" .0f) | $(calc "$(t_cpu)/$reqs*1000" .3f) | $(t_rss_mb) | 1.00 |"
}
gb_run() { # gb_run URL LABEL N MANIFEST
  local results=$WORK/overhead.results.csv
  rm -f "$results"
  # Neither nginx nor the sandbox without rate limits limits anything: say so,
  # or the client paces by the documented table.
  GREEN_API_LIMITS=unlimited GREEN_API_URL=$1 timed "$WORK/gb.out" "$GB" run "$4" --results "$results" --rate unlimited \
    --concurrency "$CONC" --progress never --max-manifest-size 1GiB
  local done_rows; done_rows=$(grep -c ',done,' "$results" || true)
  [ "$done_rows" = "$3" ] || { log "only $done_rows of $3 done"; tail -5 "$WORK/gb.out" >&2; }
  local rate; rate=$(calc "$3/$(t_wall)" .0f)
  say "| $2 | greenbatch run --rate unlimited --concurrency $CONC | $3 | $(t_wall) | $rate | $(calc "$(t_cpu)/$3*1000" .3f) | $(t_rss_mb) | $(calc "$rate/$WRK_RATE" .2f) |"
}
clients_run() { # clients_run URL LABEL N: the HTTP clients alone, no engine
  local url=$1/waInstance$ID/removeGroupParticipant/bench
  for c in reqwest hyper; do
    timed "$WORK/clients.out" "$CLIENTS" "$c" "$url" "$3" "$CONC"
    local rate; rate=$(calc "$3/$(t_wall)" .0f)
    local label="reqwest alone (as greenbatch builds it)"
    [ "$c" = hyper ] && label="hyper-util's pooled client alone"
    say "| $2 | $label, one thread, c$CONC | $3 | $(t_wall) | $rate | $(calc "$(t_cpu)/$3*1000" .3f) | $(t_rss_mb) | $(calc "$rate/$WRK_RATE" .2f) |"
  done
}
overhead() {
  local n=200000
  DUR=10; CONC=64
  [ $QUICK = 1 ] && { n=20000; DUR=4; }
  local manifest; manifest=$(gen manifest $n)
  local state; state=$(gen state $n)
  say ""
  say "### 1. Engine overhead ($n operations, concurrency $CONC, no pacing)"
  say ""
  say "| server | client | ops | wall s | ops/s | CPU s / 1k ops | peak RSS MB | ratio to wrk |"
  say "|---|---|---|---|---|---|---|---|"
  log "overhead: nginx"
  start_nginx
  wrk_run "http://127.0.0.1:$NG_PORT" nginx; say "$WRK_ROW"
  gb_run "http://127.0.0.1:$NG_PORT" nginx $n "$manifest"
  clients_run "http://127.0.0.1:$NG_PORT" nginx $n
  kill "$NG_PID"; wait "$NG_PID" 2>/dev/null || true
  log "overhead: sandbox (loading $n members)"
  start_sandbox --no-rate-limits --state "$state" -q
  wrk_run "$SB_URL" sandbox; say "$WRK_ROW"
  stop_sandbox
  start_sandbox --no-rate-limits --state "$state" -q
  gb_run "$SB_URL" sandbox $n "$manifest"
  stop_sandbox
}

# ---- 2. pacing precision --------------------------------------------------
pace_row() { # pace_row LABEL PACE [AFTER]
  local line; line=$(ledger | python3 "$ROOT/benches/ledger.py" ${3:+"$3"})
  local req ok lim win rate after
  read -r req ok lim win rate after <<< "$line"
  local achieved; achieved="$(calc "$rate" .2f) | $(calc "$rate/$2*100" .1f) %"
  # Refused requests that are never retried are lost operations, not a pace.
  [ "$ok" -lt $((req / 2)) ] && achieved="- | $((req - ok)) of $req lost"
  say "| $1 | $req | $ok | $lim | $win | $achieved | $after |"
}
post_sh() {
  cat > "$WORK/post.sh" <<'EOF'
#!/bin/sh
curl -s -o /dev/null -w '%{http_code}\n' -m 30 -X POST -H 'Content-Type: application/json' \
  -d "{\"groupId\":\"$2\",\"participantChatId\":\"$3\"}" "$1"
EOF
  chmod +x "$WORK/post.sh"
}
# client NAME MANIFEST PACE: one of the clients under comparison, against $SB_URL.
client() {
  local url=$SB_URL/waInstance$ID/removeGroupParticipant/$TOKEN
  case $1 in
    greenbatch|greenbatch-c1) rm -f "$WORK/pace.results.csv"
      local conc=8; [ "$1" = greenbatch-c1 ] && conc=1
      GREEN_API_URL=$SB_URL timeout 600 "$GB" run "$2" --results "$WORK/pace.results.csv" \
        --rate "$3/s" --concurrency $conc --progress never -q > "$WORK/client.out" 2>&1 || true ;;
    python-loop) GREEN_API_URL=$SB_URL timeout 600 python3 "$ROOT/benches/doc_loop.py" "$2" \
        > "$WORK/client.out" 2>&1 || true ;;
    python-sleep) GREEN_API_URL=$SB_URL timeout 600 python3 "$ROOT/benches/doc_loop.py" "$2" "$3" \
        > "$WORK/client.out" 2>&1 || true ;;
    parallel) tail -n +2 "$2" | timeout 600 parallel -j 8 --delay "$(calc "1/$3" .3f)" --colsep , \
        "$WORK/post.sh" "$url" '{2}' '{3}' > "$WORK/client.out" 2>&1 || true ;;
  esac
}
pacing() {
  local secs=60 stall_at=10 stall_secs=30
  [ $QUICK = 1 ] && { secs=15; stall_at=5; stall_secs=15; }
  post_sh
  say ""
  say "### 2. Pacing precision against the sandbox's 10/s sliding-second limit"
  say ""
  say "| client, pace | requests | accepted | 429s | max in any 1 s | achieved /s | of pace | max in 1 s after stall |"
  say "|---|---|---|---|---|---|---|---|"
  local runs=("greenbatch 10" "greenbatch 9")
  [ $QUICK = 1 ] && runs=("greenbatch 10")
  runs+=("python-loop 10" "python-sleep 10" "parallel 10")
  for r in "${runs[@]}"; do
    read -r name pace <<< "$r"
    local n=$((secs * pace))
    [ "$name" = python-loop ] && n=$((secs * 10))
    log "pacing: $name at $pace/s, $n operations"
    start_sandbox --state "$(gen state $n)" -q
    client "$name" "$(gen manifest $n)" "$pace"
    local label="$name --rate $pace/s"
    case $name in
      python-loop) label="python requests loop, no pacing" ;;
      python-sleep) label="python requests loop, sleep(1/$pace)" ;;
      parallel) label="parallel -j8 --delay $(calc "1/$pace" .2f) curl" ;;
    esac
    pace_row "$label" "$pace"
    stop_sandbox
  done
  # A 4 s stall: every request arriving in [stall_at, stall_at + 4) is answered 4 s late.
  local stalled=("greenbatch 10" "greenbatch-c1 10" "parallel 10")
  [ $QUICK = 1 ] && stalled=("greenbatch 10")
  for r in "${stalled[@]}"; do
    read -r name pace <<< "$r"
    local n=$((stall_secs * pace)) state=$WORK/stall$((stall_secs * pace)).yaml
    cp "$(gen state $n)" "$state"
    printf 'faults:\n  - fault: { kind: latency, ms: 4000 }\n    between: [%s, %s]\n' \
      "$stall_at" "$((stall_at + 4))" >> "$state"
    log "pacing: $name at $pace/s with a 4 s stall at ${stall_at}s"
    start_sandbox --state "$state" -q
    client "$name" "$(gen manifest $n)" "$pace"
    local label="$name --rate $pace/s"
    [ "$name" = greenbatch-c1 ] && label="greenbatch --rate $pace/s --concurrency 1"
    [ "$name" = parallel ] && label="parallel -j8 --delay $(calc "1/$pace" .2f) curl"
    pace_row "$label, 4 s stall at ${stall_at}s" "$pace" "$((stall_at + 4))"
    stop_sandbox
  done
}

# ---- 3 and 4. manifest scale and growth -----------------------------------
scale_row() { # scale_row WHAT N
  say "| $1 | $2 | $(t_wall) | $(t_cpu) | $(calc "$(t_cpu)/$2*1e6" .2f) | $(t_rss_mb) | $(awk -v n="$2" '{printf "%.0f", $4 * 1024 / n}' "$WORK/time") |"
}
scale() {
  local sizes=(10000 100000 1000000)
  [ $QUICK = 1 ] && sizes=(10000 100000)
  say ""
  say "### 3-4. Manifest scale and growth (peak RSS of the whole process)"
  say ""
  say "| command | ops | wall s | CPU s | CPU µs / op | peak RSS MB | RSS bytes / op |"
  say "|---|---|---|---|---|---|---|"
  start_sandbox -q
  export GREEN_API_URL=$SB_URL
  for n in "${sizes[@]}"; do
    local m; m=$(gen manifest "$n")
    local r=$WORK/r$n.csv
    log "scale: $n"
    timed /dev/null "$GB" validate "$m" --max-manifest-size 1GiB; scale_row "validate" "$n"
    timed /dev/null "$GB" plan "$m" --max-manifest-size 1GiB; scale_row "plan" "$n"
    [ -s "$r" ] || "$FIXTURE" "$m" "$r" 2>/dev/null
    cp "$r" "$WORK/rerun.csv"
    timed "$WORK/rerun.out" "$GB" run "$m" --results "$WORK/rerun.csv" --max-manifest-size 1GiB --progress never
    scale_row "run (rerun over a complete results file)" "$n"
    timed /dev/null "$GB" plan "$m" --results "$r" --max-manifest-size 1GiB; scale_row "plan --results" "$n"
  done
  local sent; sent=$(ledger | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  say ""
  say "Requests the reruns sent to the sandbox: $sent"
  stop_sandbox
}

# ---- 5. real job shapes -------------------------------------------------
jobs() {
  say ""
  say "### 5. Real jobs at the pace the limits allow"
  local quick=(); [ $QUICK = 1 ] && quick=(--quick)
  timeout 3600 python3 "$ROOT/benches/jobs.py" "$GB" "$WORK" "${quick[@]}" | tee -a "$REPORT"
}

START=$(date +%s)
setup
say "greenbatch benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $([ $QUICK = 1 ] && echo quick || echo full)"
for s in "${SECTIONS[@]}"; do "$s"; done
say ""
say "Total time: $(( $(date +%s) - START )) s"
