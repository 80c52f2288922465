#!/usr/bin/env bash
# bench/compare.sh: proxy_server against HAProxy and against no proxy at all.
#
#   make bench                      (or: bench/compare.sh)
#   ROUNDS=7 DURATION=8 make bench  (longer, steadier)
#
# What it starts, all on 127.0.0.1, on free ports, in a temporary folder
# that it removes again (KEEP=1 keeps it, with every log and wrk output):
#
#   nginx b1, nginx b2   worker_processes 1 each, master_process off,
#                        serving /small (64 bytes) and /bulk (1 MiB)
#   HAProxy 2.6          mode tcp, balance leastconn, nbthread 2, no logging,
#                        no health checks
#   proxy_server         --threads 2, the same two backends,
#                        --log-level warn --health-interval 0
#
# With PIN=1 (the default) both proxies pin their two threads to the first
# two CPUs the script may use, one thread per CPU: HAProxy with "cpu-map",
# proxy_server with "--cpu-affinity auto". PIN=0 leaves both to the
# kernel's scheduler, as each one does by default.
#
# and then, ROUNDS times, every workload against every target, the order of
# the targets rotating from round to round so that whatever else the
# machine does hits all three alike:
#
#   keepalive  wrk -t2 -c50 -dDs --latency URL/small
#   close      wrk -t2 -c50 -dDs --latency -H 'Connection: close' URL/small
#   bulk       wrk -t2 -c10 -dDs --latency URL/bulk
#
# "direct" is the limit: no proxy, two wrk at once (-t1, half the
# connections each), one per nginx, their rates added and the larger p50
# and p99 kept. For both proxies the CPU time they used during each run is read
# from /proc and divided by the requests served (CPU us/req).
#
# It prints the median of each target and the ratios ours/HAProxy and
# ours/direct (ratio of the medians, and the range of the per-round ratios);
# the latency percentiles, with the p99 of ours and HAProxy compared round
# by round (the median and range of the per-round ratios, and in how many
# rounds ours was lower); then the memory test: a fresh HAProxy and a fresh
# proxy_server, MEM_ROUNDS times each, alternating; bench/hold.c opens
# HOLD_CONNS connections through the proxy, gets one 64-byte answer on each
# and keeps them all open and idle; (VmRSS after - VmRSS before) /
# HOLD_CONNS is the cost of one held connection (memory the kernel keeps for
# the sockets is not in VmRSS, for either proxy). Last, when perf works
# (PERF=0: skip), one more run of each workload on each proxy under perf:
# system calls per request (per 1 MiB answer in bulk), CPU by binary, the
# top symbols and the share of samples in the balancer and its mutex; and
# bench/lock_bench, the balancer's lock under 1 to 8 threads (LOCK_BENCH=0:
# skip).
#
# Environment: ROUNDS (5), DURATION seconds per run (4), WORKLOADS
# ("keepalive close bulk"), HOLD_CONNS (5000), MEM_ROUNDS (3), PERF (1),
# LOCK_BENCH (1), PIN (1), KEEP (0), OURS_LOG_LEVEL (warn; info shows what
# the per-connection log lines cost), OURS_BIN (a proxy_server binary to
# measure instead of the one built here: an experiment built in another
# worktree), PAIRS (N > 0: instead of all the above, N keep-alive runs on
# ours alone, at --log-level info, each with the count of its connections
# per worker and backend). The defaults take about 5 minutes. Missing nginx-light, haproxy
# or wrk are installed with apt-get when run as root. Medians and ratios are
# what to read: a 2-core machine shared with other work moves absolute
# numbers from run to run.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-4}
WORKLOADS=${WORKLOADS:-keepalive close bulk}
HOLD_CONNS=${HOLD_CONNS:-5000}
MEM_ROUNDS=${MEM_ROUNDS:-3}
PERF=${PERF:-1}
LOCK_BENCH=${LOCK_BENCH:-1}
PIN=${PIN:-1}
KEEP=${KEEP:-0}
OURS_LOG_LEVEL=${OURS_LOG_LEVEL:-warn}
OURS_BIN=${OURS_BIN:-}
PAIRS=${PAIRS:-0}
[ "$PAIRS" -gt 0 ] && OURS_LOG_LEVEL=info
TARGETS=(direct haproxy ours)
BENCH_BIN=build/bench
CFLAGS_BENCH="-std=c11 -O2 -g -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow
              -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla"

say() { printf '%s\n' "$*" >&2; }
die() { say "compare.sh: $*"; exit 1; }

# --- tools -----------------------------------------------------------------

# Installs nginx-light, haproxy and wrk when a command is missing.
install_tools() {
    local need=() pair
    for pair in nginx:nginx-light haproxy:haproxy wrk:wrk; do
        command -v "${pair%%:*}" >/dev/null 2>&1 ||
            [ -x "/usr/sbin/${pair%%:*}" ] || need+=("${pair#*:}")
    done
    [ "${#need[@]}" -eq 0 ] && return 0
    [ "$(id -u)" = 0 ] || die "missing ${need[*]}: sudo apt-get install -y ${need[*]}"
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${need[@]}" >/dev/null ||
        { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; } ||
        die "apt-get install ${need[*]} failed"
    # The package starts a system nginx/haproxy on port 80: not ours.
    systemctl disable --now nginx haproxy >/dev/null 2>&1 || true
}

build() {
    make -s all >/dev/null || die "make failed"
    mkdir -p "$BENCH_BIN"
    # shellcheck disable=SC2086
    cc $CFLAGS_BENCH -Icommon -o "$BENCH_BIN/hold" bench/hold.c \
        common/net.c common/clock.c common/parse.c || die "cc hold failed"
    # shellcheck disable=SC2086
    cc $CFLAGS_BENCH -Icommon -Iproxy -o "$BENCH_BIN/lock_bench" \
        bench/lock_bench.c proxy/balancer.c common/*.c -lpthread -lm ||
        die "cc lock_bench failed"
}

# --- processes ---------------------------------------------------------------

PIDS=()
TMP=""
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.3
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
    if [ -n "$TMP" ]; then
        if [ "$KEEP" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
    fi
}

# stop PID: ends one process started here and forgets it.
stop() {
    local pid=$1 keep=() p
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

USED_PORTS=" "
# free_port: a port nobody listens on, below the ephemeral range.
free_port() {
    local port
    for _ in $(seq 200); do
        port=$((20000 + RANDOM % 12000))
        case "$USED_PORTS" in *" $port "*) continue ;; esac
        if [ -z "$(ss -Htln "( sport = :$port )")" ]; then
            USED_PORTS+="$port "
            echo "$port"
            return 0
        fi
    done
    die "no free port found"
}

# wait_listen PORT PID NAME: until PORT listens; fails if PID died.
wait_listen() {
    for _ in $(seq 100); do
        [ -n "$(ss -Htln "( sport = :$1 )")" ] && return 0
        kill -0 "$2" 2>/dev/null || die "$3 exited at start (see its log in $TMP)"
        sleep 0.05
    done
    die "$3 does not listen on $1"
}

# start_nginx NAME PORT: one backend; sets LAST_PID.
start_nginx() {
    local dir=$TMP/$1
    mkdir -p "$dir/logs" "$dir/tmp"
    sed -e "s|@DIR@|$dir|g" -e "s|@ROOT@|$TMP/www|" \
        -e "s|@LISTEN@|        listen 127.0.0.1:$2 backlog=65535;|" \
        bench/nginx.conf.in >"$dir/nginx.conf"
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" \
        >"$dir/logs/stdout" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    wait_listen "$2" "$LAST_PID" "nginx $1"
}

# start_haproxy PORT: sets LAST_PID. HAProxy refuses to start when its
# maxconn needs more descriptors than ulimit -n allows (2 per connection).
start_haproxy() {
    local cfg=$TMP/haproxy-$1.cfg maxconn
    maxconn=$((($(ulimit -n) - 200) / 2))
    [ "$maxconn" -gt 20000 ] && maxconn=20000
    cat >"$cfg" <<EOF
global
    nbthread 2
$(if [ "$PIN" = 1 ]; then echo "    cpu-map auto:1/1-2 ${PIN_CPUS/,/ }"; fi)
    maxconn $maxconn
defaults
    mode tcp
    maxconn $maxconn
    timeout connect 3s
    timeout client 60s
    timeout server 60s
frontend fe
    bind 127.0.0.1:$1 backlog 4096
    default_backend be
backend be
    balance leastconn
    server b1 127.0.0.1:$B1_PORT
    server b2 127.0.0.1:$B2_PORT
EOF
    haproxy -f "$cfg" -db >"$TMP/haproxy-$1.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    wait_listen "$1" "$LAST_PID" haproxy
}

# start_ours PORT: sets LAST_PID.
start_ours() {
    "$TMP/proxy_server" --threads 2 -l "127.0.0.1:$1" -b "b1=127.0.0.1:$B1_PORT" \
        -b "b2=127.0.0.1:$B2_PORT" --log-level "$OURS_LOG_LEVEL" \
        --health-interval 0 --cpu-affinity "$(if [ "$PIN" = 1 ]; then echo auto; else echo none; fi)" \
        2>"$TMP/ours-$1.log" &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    wait_listen "$1" "$LAST_PID" proxy_server
}

# first_two_cpus: "A,B", the first two CPUs this script may run
# on (the ones proxy_server's --cpu-affinity auto picks too); empty when
# there are fewer than two.
first_two_cpus() {
    awk '/^Cpus_allowed_list:/ {
        n = split($2, parts, ",")
        for (i = 1; i <= n && found < 2; i++) {
            m = split(parts[i], r, "-")
            hi = m == 2 ? r[2] : r[1]
            for (c = r[1]; c <= hi && found < 2; c++) cpu[++found] = c
        }
        if (found == 2) printf "%d,%d\n", cpu[1], cpu[2]
    }' /proc/self/status
}

# --- measuring ---------------------------------------------------------------

CLK_TCK=$(getconf CLK_TCK)

# cpu_ticks PID: user + system time of the whole process, in clock ticks.
cpu_ticks() {
    sed -E 's/^.*\) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# sched_totals PID: summed over PID's threads, from schedstat: ns on a CPU,
# ns runnable but waiting for one, and the times it was put on a CPU.
sched_totals() {
    cat /proc/"$1"/task/*/schedstat 2>/dev/null |
        awk '{ run += $1; wait += $2; n += $3 } END { printf "%.0f %.0f %.0f\n", run, wait, n }'
}

# rss_kb PID: VmRSS of PID and of its children, in KiB.
rss_kb() {
    local total=0 pid kb
    for pid in "$1" $(pgrep -P "$1" || true); do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
        total=$((total + ${kb:-0}))
    done
    echo "$total"
}

# wrk_stats FILE...: "req_per_s mb_per_s p99_ms errors requests p50_ms"
# summed over the wrk outputs given (p50 and p99: the largest).
wrk_stats() {
    awk '
    function ms(v) {
        if (v ~ /us$/) return v / 1000
        if (v ~ /ms$/) return v + 0
        if (v ~ /m$/)  return v * 60000
        if (v ~ /s$/)  return v * 1000
        return v
    }
    function mb(v) {
        if (v ~ /GB$/) return v * 1024
        if (v ~ /MB$/) return v + 0
        if (v ~ /KB$/) return v / 1024
        return v / 1048576
    }
    /Requests\/sec:/ { rps += $2 }
    /Transfer\/sec:/ { mbs += mb($2) }
    $1 == "50%"      { v = ms($2); if (v > p50) p50 = v }
    $1 == "99%"      { v = ms($2); if (v > p99) p99 = v }
    /requests in/    { reqs += $1 }
    /Socket errors:/ { gsub(",", ""); errs += $4 + $6 + $8 + $10 }
    /Non-2xx/        { errs += $NF }
    END { printf "%.1f %.2f %.3f %d %d %.3f\n", rps, mbs, p99, errs, reqs, p50 }
    ' "$@"
}

# run_wrk WORKLOAD PORT CONNS THREADS OUT: one wrk run, its output in OUT.
# bulk uses a fifth of the connections.
run_wrk() {
    local opts=(-t"$4" -d"${DURATION}s" --latency) path=/small
    case $1 in
        keepalive) opts+=(-c"$3") ;;
        close)     opts+=(-c"$3" -H "Connection: close") ;;
        bulk)      opts+=(-c"$(($3 / 5))"); path=/bulk ;;
        *) die "unknown workload $1" ;;
    esac
    wrk "${opts[@]}" "http://127.0.0.1:$2$path" >"$5" 2>&1 ||
        say "wrk $1 on port $2 failed (see $5)"
}

# measure ROUND WORKLOAD TARGET: runs one wrk and appends a line to
# $RESULTS: round workload target req/s MiB/s p99_ms errors requests p50_ms
# cpu_us_per_req, then for a proxy its threads' times on a CPU per request
# and their mean wait for a CPU in us (columns 1 to 12).
measure() {
    local round=$1 workload=$2 target=$3 out=$TMP/wrk-$1-$2-$3
    local pid="" before=0 after stats cpu=- sched_before sched="- -"
    case $target in
        haproxy) pid=$HAPROXY_PID ;;
        ours)    pid=$OURS_PID ;;
    esac
    if [ -n "$pid" ]; then
        before=$(cpu_ticks "$pid")
        sched_before=$(sched_totals "$pid")
    fi
    if [ "$target" = direct ]; then
        run_wrk "$workload" "$B1_PORT" 25 1 "$out.b1" &
        run_wrk "$workload" "$B2_PORT" 25 1 "$out.b2"
        wait $!
        stats=$(wrk_stats "$out.b1" "$out.b2")
    else
        run_wrk "$workload" "${PORT[$target]}" 50 2 "$out"
        stats=$(wrk_stats "$out")
    fi
    if [ -n "$pid" ]; then
        after=$(cpu_ticks "$pid")
        cpu=$(awk -v t="$((after - before))" -v hz="$CLK_TCK" -v s="$stats" \
              'BEGIN { split(s, f, " "); printf "%.1f", f[5] ? t / hz * 1e6 / f[5] : 0 }')
        sched=$(awk -v a="$sched_before" -v b="$(sched_totals "$pid")" -v s="$stats" '
            BEGIN { split(a, x, " "); split(b, y, " "); split(s, f, " ")
                    n = y[3] - x[3]
                    printf "%.3f %.1f", f[5] ? n / f[5] : 0,
                           n ? (y[2] - x[2]) / n / 1000 : 0 }')
    fi
    echo "$round $workload $target $stats $cpu $sched" >>"$RESULTS"
    say "  round $round  $(printf '%-9s %-7s' "$workload" "$target")  $stats  cpu_us/req=$cpu  on_cpu/req wait_us=$sched"
}

# pairs ROUNDS: keep-alive runs of wrk on ours alone. Each prints its
# req/s, CPU us/req, and how its 50 new connections fell on the workers
# and the backends, counted from the pick lines (w0:b1=N means N picks of
# b1 made by worker w0).
pairs() {
    local r n0 c0 c1 dist log=$TMP/ours-${PORT[ours]}.log
    echo
    echo "Pairs: $1 keep-alive runs of ${DURATION}s on ours (--log-level info)"
    echo
    for r in $(seq "$1"); do
        n0=$(wc -l <"$log")
        c0=$(cpu_ticks "$OURS_PID")
        run_wrk keepalive "${PORT[ours]}" 50 2 "$TMP/pairs-$r"
        c1=$(cpu_ticks "$OURS_PID")
        sleep 0.3               # the worker's last lines reach the log
        dist=$(tail -n +"$((n0 + 1))" "$log" |
               sed -n -E 's/.* thr=(w[0-9]+) ev=pick .* be=([^ ]+) .*/\1:\2/p' |
               sort | uniq -c | awk '{ printf " %s=%s", $2, $1 }')
        wrk_stats "$TMP/pairs-$r" | awk -v r="$r" -v t="$((c1 - c0))" \
            -v hz="$CLK_TCK" -v d="$dist" '{
                printf "run %2d  %8.0f req/s  p99 %6.3f ms  %5.1f CPU us/req %s\n",
                       r, $1, $3, $5 ? t / hz * 1e6 / $5 : 0, d }'
    done
}

# --- reporting -------------------------------------------------------------

# median COLUMN WORKLOAD TARGET: the median of a column of $RESULTS.
median() {
    awk -v c="$1" -v w="$2" -v t="$3" '$2 == w && $3 == t { print $c }' "$RESULTS" |
        sort -g | awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "-"; exit }
            if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio_range COLUMN WORKLOAD OTHER: min-max over rounds of ours / OTHER.
ratio_range() {
    awk -v c="$1" -v w="$2" -v o="$3" '
        $2 == w && $3 == "ours" { ours[$1] = $c }
        $2 == w && $3 == o      { other[$1] = $c }
        END {
            for (r in ours) if (other[r] > 0) {
                x = ours[r] / other[r]
                if (n++ == 0 || x < lo) lo = x
                if (n == 1 || x > hi) hi = x
            }
            if (n) printf "%.2f-%.2f", lo, hi; else printf "-"
        }' "$RESULTS"
}

# paired COLUMN WORKLOAD: ours / HAProxy of a column, round by round:
# "median lo-hi lower rounds", lower counting the rounds in which ours had
# the smaller value. Pairs the rounds, so that drift of the whole machine
# from one round to the next cancels out.
paired() {
    awk -v c="$1" -v w="$2" '
        $2 == w && $3 == "ours"    { ours[$1] = $c }
        $2 == w && $3 == "haproxy" { other[$1] = $c }
        END {
            for (r in ours) if (other[r] > 0) {
                x[++n] = ours[r] / other[r]
                if (ours[r] < other[r]) lower++
            }
            if (n == 0) { print "- - - 0 0"; exit }
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
            m = n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
            printf "%.2f %.2f-%.2f %d %d\n", m, x[1], x[n], lower, n
        }' "$RESULTS"
}

# The tail is what a shared 2-core machine moves most from round to
# round, so besides the medians this shows the per-round pairs.
report_latency() {
    local w m range lower n
    echo
    echo "Latency: medians over the rounds of each run's percentiles, and ours/HAProxy round by round"
    echo
    echo "| workload | p50 ms HAProxy / ours | p99 ms HAProxy / ours | p99 ours/HAProxy, median of the rounds (range) | rounds with the lower p99: ours |"
    echo "|---|---:|---:|---:|---:|"
    for w in $WORKLOADS; do
        read -r m range lower n <<<"$(paired 6 "$w")"
        printf '| %s | %s / %s | %s / %s | %s (%s) | %s of %s |\n' "$w" \
            "$(median 9 "$w" haproxy)" "$(median 9 "$w" ours)" \
            "$(median 6 "$w" haproxy)" "$(median 6 "$w" ours)" \
            "$m" "$range" "$lower" "$n"
    done
}

# How the proxies' threads shared the cores: a thread that sleeps and is
# woken more often queues for a CPU more often, behind wrk and nginx.
report_sched() {
    local w
    echo
    echo "Scheduling: the proxy's threads, from /proc/PID/task/*/schedstat, medians of the rounds"
    echo
    echo "| workload | times put on a CPU per request HAProxy / ours | mean wait for a CPU, us, HAProxy / ours |"
    echo "|---|---:|---:|"
    for w in $WORKLOADS; do
        printf '| %s | %s / %s | %s / %s |\n' "$w" \
            "$(median 11 "$w" haproxy)" "$(median 11 "$w" ours)" \
            "$(median 12 "$w" haproxy)" "$(median 12 "$w" ours)"
    done
}

div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

report_throughput() {
    local w col unit d h o
    echo
    echo "Throughput: medians of $ROUNDS rounds of ${DURATION}s (per-round ratio range in brackets)"
    echo
    echo "| workload | unit | direct | HAProxy | ours | ours/HAProxy | ours/direct | p99 ms direct / HAProxy / ours | CPU us/req HAProxy / ours | errors d/h/o |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for w in $WORKLOADS; do
        col=4 unit="req/s"
        [ "$w" = bulk ] && col=5 unit="MiB/s"
        d=$(median $col "$w" direct) h=$(median $col "$w" haproxy) o=$(median $col "$w" ours)
        printf '| %s | %s | %s | %s | %s | %s (%s) | %s (%s) | %s / %s / %s | %s / %s | %s/%s/%s |\n' \
            "$w" "$unit" "$d" "$h" "$o" \
            "$(div "$o" "$h")" "$(ratio_range $col "$w" haproxy)" \
            "$(div "$o" "$d")" "$(ratio_range $col "$w" direct)" \
            "$(median 6 "$w" direct)" "$(median 6 "$w" haproxy)" "$(median 6 "$w" ours)" \
            "$(median 10 "$w" haproxy)" "$(median 10 "$w" ours)" \
            "$(sum_col 7 "$w" direct)" "$(sum_col 7 "$w" haproxy)" "$(sum_col 7 "$w" ours)"
    done
}

sum_col() {
    awk -v c="$1" -v w="$2" -v t="$3" '$2 == w && $3 == t { s += $c } END { print s + 0 }' "$RESULTS"
}

# --- the memory test ---------------------------------------------------------

# established_to_backends: sockets from a proxy to either nginx.
established_to_backends() {
    ss -Htn state established "( dport = :$B1_PORT or dport = :$B2_PORT )" | wc -l
}

# hold_through TARGET ROUND: a fresh proxy, HOLD_CONNS held connections,
# one line to $MEMORY: round target before_kb after_kb held established.
hold_through() {
    local target=$1 round=$2 port pid before after held est out
    port=$(free_port)
    out=$TMP/hold-$round-$target
    "start_$target" "$port"
    pid=$LAST_PID
    sleep 0.5
    before=$(rss_kb "$pid")
    "$BENCH_BIN/hold" --port "$port" --conns "$HOLD_CONNS" --parallel 200 \
        --hold-ms 120000 >"$out" 2>&1 &
    local hold_pid=$!
    PIDS+=("$hold_pid")
    for _ in $(seq 600); do grep -q '^held=' "$out" && break; sleep 0.1; done
    held=$(sed -n 's/^held=\([0-9]*\).*/\1/p' "$out")
    for _ in $(seq 100); do
        est=$(established_to_backends)
        [ "$est" -ge "${held:-0}" ] && break
        sleep 0.1
    done
    sleep 1
    before=${before:-0}
    after=$(rss_kb "$pid")
    est=$(established_to_backends)
    echo "$round $target $before $after ${held:-0} $est" >>"$MEMORY"
    say "  round $round  $(printf '%-7s' "$target")  rss ${before} -> ${after} KiB, held=${held:-0}, proxy->backend established=$est ($(grep -h . "$out" | tr '\n' ' '))"
    stop "$hold_pid"
    stop "$pid"
}

report_memory() {
    [ "$MEM_ROUNDS" -gt 0 ] || return 0
    echo
    echo "Memory: $HOLD_CONNS idle connections held through a fresh proxy, median of $MEM_ROUNDS"
    echo
    echo "| proxy | RSS before KiB (last round) | RSS after KiB (last round) | held | bytes per connection (median) | range |"
    echo "|---|---:|---:|---:|---:|---:|"
    local t
    for t in haproxy ours; do
        awk -v t="$t" '$2 == t && $5 > 0 {
                b[++n] = $3; a[n] = $4; h[n] = $5; per[n] = ($4 - $3) * 1024 / $5 }
            END {
                if (n == 0) { printf "| %s | - | - | 0 | - | - |\n", t; exit }
                for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                    if (per[j] < per[i]) { x = per[i]; per[i] = per[j]; per[j] = x }
                m = n % 2 ? per[(n + 1) / 2] : (per[n / 2] + per[n / 2 + 1]) / 2
                printf "| %s | %d | %d | %d | %.0f | %.0f-%.0f |\n",
                       (t == "ours" ? "ours" : "HAProxy"), b[n], a[n], h[n], m, per[1], per[n]
            }' "$MEMORY"
    done
}

# --- profile and lock micro-benchmark -----------------------------------------

perf_works() {
    command -v perf >/dev/null 2>&1 &&
        perf record -e cpu-clock -o "$TMP/perf.probe" -- true >/dev/null 2>&1
}

# profile WORKLOAD TARGET: one more wrk run of WORKLOAD on TARGET under
# perf record (CPU samples with call graphs) and perf stat (every system
# call, counted): the system calls per request by name, the CPU split by
# binary, and the top symbols by self time.
profile() {
    local workload=$1 target=$2 pid out=$TMP/perf-$1-$2 reqs
    pid=$([ "$target" = ours ] && echo "$OURS_PID" || echo "$HAPROXY_PID")
    perf record -e cpu-clock -F 999 -g -p "$pid" -o "$out.data" \
        -- sleep "$DURATION" >"$out.record" 2>&1 &
    local record_pid=$!
    # A second longer than wrk, so that every request of the run is counted.
    perf stat -e 'syscalls:sys_enter_*' -e context-switches -x, -o "$out.stat" \
        -p "$pid" -- sleep "$((DURATION + 1))" >/dev/null 2>&1 &
    local stat_pid=$!
    PIDS+=("$record_pid" "$stat_pid")
    sleep 0.2
    run_wrk "$workload" "${PORT[$target]}" 50 2 "$out.wrk"
    wait "$record_pid" "$stat_pid" 2>/dev/null || true
    reqs=$(wrk_stats "$out.wrk" | cut -d' ' -f5)
    echo
    echo "Profile: $target, $workload, $(wrk_stats "$out.wrk" | cut -d' ' -f1) req/s while profiled"
    awk -F, -v n="$reqs" '$1 > 0 && n > 0 {
            name = $3; sub(/^syscalls:sys_enter_/, "", name)
            per = $1 / n
            if (per >= 0.05) line = line sprintf(" %s %.2f", name, per)
        } END { print "  per request:" line }' "$out.stat"
    echo "  CPU by binary:$(perf report -i "$out.data" --stdio --no-children \
        --sort dso -g none 2>/dev/null | awk '/^ +[0-9]/ && $1 + 0 >= 0.5 {
            printf " %s %s", $2, $1 }')"
    echo "  balancer and its lock:$(perf report -i "$out.data" --stdio \
        --no-children --sort symbol -g none 2>/dev/null | awk '
        /^ +[0-9]/ && $3 ~ /^(balancer_|pthread_mutex_|__GI___pthread_mutex_|__lll_lock)/ {
            share += $1; names = names " " $3 }
        END { printf " %.2f%% of samples (%s )", share, names }')"
    echo "  top symbols (self):"
    { perf report -i "$out.data" --stdio --no-children --sort dso,symbol \
        -g none 2>/dev/null || echo "(no samples: see $out.record)"; } |
        awk '(/^ +[0-9]/ || /^\(/) && n++ < 12 { print "    " $1, $2, $3, $4 }'
}

main() {
    local started=$SECONDS
    install_tools
    HAPROXY_VERSION=$(haproxy -v 2>&1 | sed -n '1s/ - .*//p')
    case $HAPROXY_VERSION in
        *"version 2.6."*) ;;
        *) say "note: $HAPROXY_VERSION (the comparison is meant for 2.6)" ;;
    esac
    build
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    [ "$(ulimit -n)" -ge $((2 * HOLD_CONNS + 100)) ] ||
        die "ulimit -n is $(ulimit -n): the memory test needs $((2 * HOLD_CONNS + 100))"

    if [ "$PIN" = 1 ]; then
        PIN_CPUS=$(first_two_cpus)
        [ -n "$PIN_CPUS" ] || { say "fewer than 2 CPUs: PIN=0"; PIN=0; }
    fi

    TMP=$(mktemp -d "${TMPDIR:-/tmp}/proxybench.XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    # A copy: a rebuild during the run can neither change the proxy under
    # test nor hide its symbols from perf.
    if [ -n "$OURS_BIN" ]; then
        [ -x "$OURS_BIN" ] || die "OURS_BIN=$OURS_BIN is not an executable"
        cp "$OURS_BIN" "$TMP/proxy_server"
        BUILT_FROM="$OURS_BIN (OURS_BIN, not built by this script)"
    else
        cp proxy_server "$TMP/proxy_server"
        BUILT_FROM="commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(
            if git status --porcelain -- proxy common 2>/dev/null | grep -q .; then
                echo ', with local changes to proxy/ or common/'
            fi)"
    fi
    RESULTS=$TMP/results
    MEMORY=$TMP/memory
    : >"$RESULTS"
    : >"$MEMORY"
    mkdir -p "$TMP/www"
    head -c 63 /dev/zero | tr '\0' 'x' >"$TMP/www/small"
    echo >>"$TMP/www/small"
    head -c 1048576 /dev/urandom >"$TMP/www/bulk"

    B1_PORT=$(free_port)
    B2_PORT=$(free_port)
    start_nginx b1 "$B1_PORT"
    start_nginx b2 "$B2_PORT"
    declare -gA PORT
    PORT[haproxy]=$(free_port)
    PORT[ours]=$(free_port)
    start_haproxy "${PORT[haproxy]}"
    HAPROXY_PID=$LAST_PID
    start_ours "${PORT[ours]}"
    OURS_PID=$LAST_PID

    # Every target answers whole and right before anything is timed.
    local t p
    for t in haproxy ours; do
        p=${PORT[$t]}
        "$BENCH_BIN/hold" --port "$p" --conns 20 --hold-ms 0 --path /small >/dev/null ||
            die "$t does not relay /small"
    done

    say "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
    if [ "$PAIRS" -gt 0 ]; then
        DURATION=1 measure 0 keepalive ours 2>/dev/null     # warm-up
        echo "proxy_server: $BUILT_FROM"
        pairs "$PAIRS"
        return
    fi
    say "throughput: $ROUNDS rounds x {$WORKLOADS} x {${TARGETS[*]}}, ${DURATION}s each"
    local w round k
    for w in $WORKLOADS; do        # warm-up, not counted
        for t in "${TARGETS[@]}"; do
            DURATION=1 measure 0 "$w" "$t" 2>/dev/null
        done
    done
    : >"$RESULTS"
    for round in $(seq "$ROUNDS"); do
        for w in $WORKLOADS; do
            for k in 0 1 2; do
                measure "$round" "$w" "${TARGETS[$(((round + k) % 3))]}"
            done
        done
    done

    say "memory: $MEM_ROUNDS rounds x {haproxy ours}, $HOLD_CONNS held connections"
    for round in $(seq "$MEM_ROUNDS"); do
        if [ $((round % 2)) = 1 ]; then
            hold_through haproxy "$round"; hold_through ours "$round"
        else
            hold_through ours "$round"; hold_through haproxy "$round"
        fi
    done

    echo
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
    echo "proxy_server: $BUILT_FROM"
    if [ "$PIN" = 1 ]; then
        echo "threads: pinned, one per CPU ($PIN_CPUS), both proxies (PIN=1)"
    else
        echo "threads: not pinned, placed by the kernel (PIN=0)"
    fi
    echo "versions: $(cut -d' ' -f1-3 <<<"$HAPROXY_VERSION"), $(nginx -v 2>&1 | cut -d' ' -f3), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
    report_throughput
    report_latency
    report_sched
    report_memory

    if [ "$PERF" = 1 ] && perf_works; then
        for w in $WORKLOADS; do
            profile "$w" ours
            profile "$w" haproxy
        done
    elif [ "$PERF" = 1 ]; then
        echo
        echo "(perf record does not work here: no profile)"
    fi
    if [ "$LOCK_BENCH" = 1 ]; then
        local cpu_ns
        cpu_ns=$(awk -v m="$(median 10 close ours)" 'BEGIN { printf "%d", m * 1000 }')
        [ "$cpu_ns" -gt 0 ] || cpu_ns=10000
        echo
        echo "Balancer lock: $BENCH_BIN/lock_bench --work-ns 0,1000,$cpu_ns" \
             "(the last: ours' CPU per connection in 'close')"
        echo
        "$BENCH_BIN/lock_bench" --work-ns "0,1000,$cpu_ns"
    fi
    echo
    echo "(ROUNDS=$ROUNDS DURATION=$DURATION HOLD_CONNS=$HOLD_CONNS MEM_ROUNDS=$MEM_ROUNDS: $((SECONDS - started)) s)"
}

main "$@"
