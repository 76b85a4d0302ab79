#!/usr/bin/env bash
# Whole-command benchmark: `xbpf prog run OBJ data_in pkt.bin repeat N` on the three shared
# benchmark programs (../shared/bench, or $XBPF_SHARED_DIR/bench), with the interpreter
# (engine interp), the JIT (engine jit), the checked mode (engine interp-checked) and a native
# image (xbpf gen native, then engine native image IMAGE), RUNS times each,
# printing the median of the reported "duration (average)"; next to the same kernels compiled
# by cc -O2 (a driver timing N calls, bench/programs/shared_kernels.c) and `bpftool prog run`
# of the same object in the
# Linux kernel (its JIT) when bpftool, root and a bpffs at /sys/fs/bpf are available.
#
#     bench/run_prog_bench.sh [--build DIR] [--repeat N] [--runs K]
#
# Defaults: --build build, --repeat 1000, --runs 7. Each result is checked: retval 2 and the
# u64 at data_out + 1024 equal to the shared README's value.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
repeat=1000
runs=7
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run_prog_bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

shared=${XBPF_SHARED_DIR:-$root/../shared}/bench
xbpf=$build/bin/xbpf
if [ ! -d "$shared" ]; then
  echo "run_prog_bench.sh: skipped: $shared not found (set XBPF_SHARED_DIR)"
  exit 0
fi
if [ ! -x "$xbpf" ]; then
  echo "run_prog_bench.sh: $xbpf not found: build first (make, or cmake --build $build)" >&2
  exit 2
fi

work=$(mktemp -d)
pins=()
cleanup() {
  for pin in "${pins[@]}"; do rm -f "$pin"; done
  rm -rf "$work"
}
trap cleanup EXIT

# The packet, as the shared README makes it.
cc -O2 -o "$work/make_packet" "$shared/make_packet.c"
"$work/make_packet" > "$work/pkt.bin"

# The kernels compiled natively (cc -O2), with a driver that prints the average like xbpf.
cat > "$work/gcc_main.c" << 'EOF_C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
int bench_native_hash(unsigned char *, unsigned char *);
int bench_native_primes(unsigned char *, unsigned char *);
int bench_native_branchy(unsigned char *, unsigned char *);
int main(int argc, char **argv) {
  unsigned char packet[1032];
  FILE *in = fopen(argv[2], "rb");
  if (!in || fread(packet, 1, sizeof packet, in) != sizeof packet) return 2;
  fclose(in);
  long repeat = atol(argv[3]);
  int (*kernel)(unsigned char *, unsigned char *) = !strcmp(argv[1], "hash") ? bench_native_hash
      : !strcmp(argv[1], "primes") ? bench_native_primes : bench_native_branchy;
  struct timespec a, b;
  int verdict = 0;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < repeat; i++) verdict = kernel(packet, packet + sizeof packet);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
  printf("Return value: %d, duration (average): %lldns\n", verdict, ns / repeat);
  return 0;
}
EOF_C
cc -O2 -I"$shared" -o "$work/gcc_bench" "$work/gcc_main.c" "$root/bench/programs/shared_kernels.c"

# The objects: the build's (runtime_bench's or the tests'), else compiled here as the README says.
object_for() {
  local name=$1
  for candidate in "$build/bench/programs/prog_$name.o" "$build/tests/programs/bench/prog_$name.o"; do
    if [ -f "$candidate" ]; then echo "$candidate"; return; fi
  done
  clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -I"$shared" \
    -c "$shared/prog_$name.bpf.c" -o "$work/prog_$name.o"
  echo "$work/prog_$name.o"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

result_at_1024() { od -A n -t x8 -j 1024 -N 8 "$1" | tr -d ' '; }

# bpftool and the kernel: root, bpftool, a bpffs.
kernel_reason=""
if ! command -v bpftool > /dev/null; then
  kernel_reason="bpftool not found"
elif [ "$(id -u)" != 0 ]; then
  kernel_reason="not root"
elif ! grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
  kernel_reason="no bpffs mounted at /sys/fs/bpf"
fi

# Runs "$@" (a command printing "Return value: R, duration (average): Dns") $runs times after
# one warm-up; prints the median D.
median_duration() {
  local out durations=()
  "$@" > /dev/null 2>&1 || true
  for _ in $(seq "$runs"); do
    out=$("$@" 2> /dev/null)
    durations+=("$(sed -n 's/.*duration (average): \([0-9]*\)ns.*/\1/p' <<< "$out")")
  done
  printf '%s\n' "${durations[@]}" | median
}

declare -A expected=([hash]=d583dea3b8778b78 [primes]=2619bc058ca1c071 [branchy]=5058e37c9c518e13)
declare -A ubpf=([hash]=98336 [primes]=1237496 [branchy]=231370)

echo "xbpf prog run vs bpftool prog run: repeat $repeat, median of $runs runs, ns per run ($(date -u +%F))"
[ -n "$kernel_reason" ] && echo "kernel: skipped, $kernel_reason"
printf '%-8s %12s %12s %12s %12s %12s %12s %12s %12s %14s %14s\n' program interp jit checked native "cc -O2" native/cc kernel "uBPF interp" "uBPF/interp" "jit/kernel"
for name in hash primes branchy; do
  object=$(object_for "$name")
  # Check the result once per engine.
  for engine in interp jit interp-checked; do
    out=$("$xbpf" prog run "$object" data_in "$work/pkt.bin" data_out "$work/out.bin" engine "$engine" 2> /dev/null)
    if [[ $out != "Return value: 2,"* ]] || [ "$(result_at_1024 "$work/out.bin")" != "${expected[$name]}" ]; then
      echo "run_prog_bench.sh: $name ($engine): wrong result: $out, data_out+1024 = $(result_at_1024 "$work/out.bin")" >&2
      exit 1
    fi
  done
  image=$work/prog_$name.so
  "$xbpf" gen native "$object" -o "$image" > /dev/null 2>&1
  out=$("$xbpf" prog run "$object" data_in "$work/pkt.bin" data_out "$work/out.bin" engine native image "$image" 2> /dev/null)
  if [[ $out != "Return value: 2,"* ]] || [ "$(result_at_1024 "$work/out.bin")" != "${expected[$name]}" ]; then
    echo "run_prog_bench.sh: $name (native): wrong result: $out" >&2
    exit 1
  fi
  native=$(median_duration "$xbpf" prog run "$object" data_in "$work/pkt.bin" repeat "$repeat" engine native image "$image")
  gcc_ns=$(median_duration "$work/gcc_bench" "$name" "$work/pkt.bin" "$repeat")
  ratio_gcc=$(awk -v n="$native" -v g="$gcc_ns" 'BEGIN { printf "%.2fx", n / g }')
  interp=$(median_duration "$xbpf" prog run "$object" data_in "$work/pkt.bin" repeat "$repeat" engine interp)
  jit=$(median_duration "$xbpf" prog run "$object" data_in "$work/pkt.bin" repeat "$repeat" engine jit)
  checked=$(median_duration "$xbpf" prog run "$object" data_in "$work/pkt.bin" repeat "$repeat" engine interp-checked)
  kernel=-
  if [ -z "$kernel_reason" ]; then
    pin=/sys/fs/bpf/xbpf_bench_$$_$name
    if bpftool prog load "$object" "$pin" 2> "$work/load.err"; then
      pins+=("$pin")
      bpftool prog run pinned "$pin" data_in "$work/pkt.bin" data_out "$work/out.bin" > /dev/null
      if [ "$(result_at_1024 "$work/out.bin")" != "${expected[$name]}" ]; then
        echo "run_prog_bench.sh: $name (kernel): wrong result at data_out+1024" >&2
        exit 1
      fi
      kernel=$(median_duration bpftool prog run pinned "$pin" data_in "$work/pkt.bin" repeat "$repeat")
      rm -f "$pin"
    else
      echo "kernel: $name: bpftool prog load failed: $(tail -1 "$work/load.err")"
    fi
  fi
  ratio_ubpf=$(awk -v u="${ubpf[$name]}" -v x="$interp" 'BEGIN { printf "%.1fx", u / x }')
  ratio_kernel=-
  [ "$kernel" != - ] && ratio_kernel=$(awk -v k="$kernel" -v x="$jit" 'BEGIN { printf "%.2fx", x / k }')
  printf '%-8s %12s %12s %12s %12s %12s %12s %12s %12s %14s %14s\n' "$name" "$interp" "$jit" "$checked" "$native" "$gcc_ns" "$ratio_gcc" "$kernel" "${ubpf[$name]}" "$ratio_ubpf" "$ratio_kernel"
done
