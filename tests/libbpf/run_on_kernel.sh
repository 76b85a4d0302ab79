#!/bin/sh
# Runs an application built against libbpf twice: on xbpf's libbpf.so.1 (as built, its RUNPATH)
# and on the system's libbpf against the kernel (LD_LIBRARY_PATH=SYSTEM_DIR), and requires the
# same output. Skips (77) where the kernel cannot run it: not root, or no system libbpf.
# Usage: run_on_kernel.sh SYSTEM_LIBBPF_DIR APP [ARGS...]
set -u
system_dir=$1
shift
if [ -z "$system_dir" ] || [ ! -e "$system_dir/libbpf.so.1" ]; then
  echo "skipped: the system has no libbpf.so.1 to compare with"
  exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: loading programs into the kernel needs root"
  exit 77
fi
ours=$(mktemp) || exit 2
theirs=$(mktemp) || exit 2
trap 'rm -f "$ours" "$theirs"' EXIT
timeout 60 "$@" >"$ours" 2>/dev/null
ours_status=$?
LD_LIBRARY_PATH="$system_dir" timeout 60 "$@" >"$theirs" 2>"$theirs.err"
theirs_status=$?
if grep -q "libbpf.so.1" /proc/$$/maps 2>/dev/null; then :; fi
if [ "$theirs_status" -ne 0 ] && grep -qi "operation not permitted\|permission denied" "$theirs.err"; then
  echo "skipped: the kernel refuses to load the programs here:"
  cat "$theirs.err"
  rm -f "$theirs.err"
  exit 77
fi
rm -f "$theirs.err"
if [ "$ours_status" -ne "$theirs_status" ]; then
  echo "exit status differs: xbpf $ours_status, kernel $theirs_status"
  exit 1
fi
if ! diff -u "$theirs" "$ours"; then
  echo "the output differs (- kernel, + xbpf)"
  exit 1
fi
echo "same output on xbpf and on the kernel ($(wc -l <"$ours") lines)"
