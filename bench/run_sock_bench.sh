#!/bin/sh
# The socket hooks' cost (docs/sock.md): the latency a supervised connect and bind add, next
# to the same calls unsupervised in the same run, and connects per second from 8 threads.
#
#     bench/run_sock_bench.sh [BUILD_DIR] [CALLS] [RUNS]         (build, 5000, 5)
#
# In a network namespace of its own (loopback only). Each run times CALLS blocking connects
# to 127.0.0.1 (each thread to a listener of its own, accepting itself) and CALLS binds to
# 127.0.0.1 port 0, from one thread (tests/e2e/sock_app.c's `bench`), once unsupervised and
# once under `xbpf cgroup run` with tests/programs/sock_policy.bpf.c (whose connect4 and bind4
# programs check the address and count the decision in a map), the two alternating; then 8
# threads of CALLS / 8 connects each, both ways. The figures are the medians over the runs
# of each run's median latency and of its calls per second.
set -eu
build=${1:-build}
calls=${2:-5000}
runs=${3:-5}
xbpf=${XBPF:-$build/bin/xbpf}  # XBPF=another build's, to compare
app=$build/bin/sock_app
policy=$build/tests/programs/sock_policy.v2.o
for file in "$xbpf" "$app" "$policy"; do
  [ -e "$file" ] || { echo "run_sock_bench.sh: $file is not built"; exit 2; }
done
if [ "${SOCK_BENCH_INSIDE:-}" != 1 ]; then
  if [ "$(id -u)" -eq 0 ]; then ns="unshare -n"; else ns="unshare -rn"; fi
  SOCK_BENCH_INSIDE=1 exec $ns sh "$0" "$@"
fi
ip link set lo up
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure NAME MODE THREADS EACH: one run each way, appended to $work/NAME.free and .supervised
# ("median_ns N p90_ns N calls_per_s N").
port=20000
measure() {
  port=$((port + 10))
  "$app" bench "$2" 127.0.0.1 $port "$4" "$3" >>"$work/$1.free"
  port=$((port + 10))
  "$xbpf" cgroup run "$policy" -- "$app" bench "$2" 127.0.0.1 $port "$4" "$3" >>"$work/$1.supervised"
}
# median FILE FIELD: the median of the numbers after FIELD in FILE's lines.
median() {
  sed -n "s/.*$2 \([0-9]*\).*/\1/p" "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

i=0
while [ $i -lt "$runs" ]; do
  measure connect connect 1 "$calls"
  measure bind bind 1 "$calls"
  measure connect8 connect 8 $((calls / 8))
  i=$((i + 1))
done

printf '%-22s %12s %12s %12s\n' "call (median of $runs)" unsupervised supervised added
for name in connect bind; do
  free=$(median "$work/$name.free" median_ns)
  supervised=$(median "$work/$name.supervised" median_ns)
  printf '%-22s %9d ns %9d ns %9d ns\n' "$name, 1 thread" "$free" "$supervised" $((supervised - free))
done
free=$(median "$work/connect8.free" calls_per_s)
supervised=$(median "$work/connect8.supervised" calls_per_s)
printf '%-22s %10d/s %10d/s %11s\n' "connect, 8 threads" "$free" "$supervised" \
  "$(awk -v a="$supervised" -v b="$free" 'BEGIN { printf "%.2fx", a / b }')"
