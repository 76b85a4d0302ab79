#!/bin/sh
# xbpf gen skeleton against bpftool gen skeleton, byte for byte, on every object of the build
# (tests/libbpf, tests/programs, examples) and of the shared corpus when present. Objects
# bpftool itself cannot open are left out; an object bpftool opens and xbpf does not fails.
# Skips (77) without bpftool.
# Usage: compare_skeletons.sh XBPF BPFTOOL BUILD_DIR [SHARED_DIR]
set -u
xbpf=$1
bpftool=$2
build=$3
shared=${4:-}
if [ -z "$bpftool" ] || [ ! -x "$bpftool" ]; then
  echo "skipped: bpftool is not installed (scripts/install-deps.sh installs it)"
  exit 77
fi
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
compared=0
failed=0
for object in "$build"/tests/libbpf/*.o "$build"/tests/programs/*.o "$build"/examples/*.o \
              $( [ -n "$shared" ] && [ -d "$shared/ebpf-samples" ] && find "$shared/ebpf-samples" -name '*.o' | sort ); do
  [ -f "$object" ] || continue
  timeout 30 "$bpftool" gen skeleton "$object" >"$work/theirs.h" 2>/dev/null || continue
  if ! timeout 30 "$xbpf" gen skeleton "$object" >"$work/ours.h" 2>"$work/ours.err"; then
    echo "xbpf cannot make the skeleton bpftool makes for $object: $(cat "$work/ours.err")"
    failed=$((failed + 1))
    continue
  fi
  if ! cmp -s "$work/theirs.h" "$work/ours.h"; then
    echo "skeletons differ for $object:"
    diff "$work/theirs.h" "$work/ours.h" | head -20
    failed=$((failed + 1))
  fi
  compared=$((compared + 1))
done
echo "$compared skeletons compared with bpftool's, $failed different"
[ "$compared" -gt 0 ] && [ "$failed" -eq 0 ]
