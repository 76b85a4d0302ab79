#!/bin/sh
# `make demo`: the XDP firewall (examples/xdp_firewall.bpf.c) over 100,000 packets of mixed
# traffic. Generates the capture, compiles the program with clang, runs it with xbpf over the
# capture, prints the verdicts, the firewall's statistics and the top talkers, and writes the
# passed packets to build/demo/passed.pcap. See docs/xdp.md.
set -eu
cd "$(dirname "$0")/.."
xbpf=./build/bin/xbpf
demo=build/demo
mkdir -p $demo
start=$(date +%s)

echo "== traffic-gen --seed 1 --packets 100000 --out $demo/traffic.pcap"
./build/bin/traffic-gen --seed 1 --packets 100000 --out $demo/traffic.pcap
echo "   $(wc -c < $demo/traffic.pcap) bytes: normal TCP/UDP flows, a SYN flood from 198.51.100.66,"
echo "   the blocked prefixes 203.0.113.0/24 and 2001:db8:bad::/48, IPv6 extension headers,"
echo "   VLAN tags (802.1Q, 802.1ad), IPv4 options and fragments, ARP, malformed frames"
echo

echo "== clang -O2 -g -target bpf -c examples/xdp_firewall.bpf.c -o $demo/xdp_firewall.o"
multiarch=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
clang -O2 -g -target bpf -Wall -I/usr/include/"$multiarch" \
  -c examples/xdp_firewall.bpf.c -o $demo/xdp_firewall.o
echo

echo "== xbpf verify $demo/xdp_firewall.o"
$xbpf verify $demo/xdp_firewall.o | sed 's/^/   /'
if [ "$(id -u)" -eq 0 ] && command -v bpftool >/dev/null 2>&1 && [ -d /sys/fs/bpf ]; then
  pin=/sys/fs/bpf/xbpf_demo_$$
  if bpftool prog load $demo/xdp_firewall.o $pin >/dev/null 2>$demo/kernel-verifier.log; then
    echo "   for reference, the Linux kernel's verifier ($(uname -r)) accepts the same object"
    rm -f $pin
  else
    echo "   for reference, the Linux kernel's verifier rejects it: see $demo/kernel-verifier.log"
  fi
else
  echo "   (the Linux kernel's verifier is not consulted: needs root and bpftool)"
fi
echo

run="$xbpf xdp run $demo/xdp_firewall.o --pcap $demo/traffic.pcap --init-maps examples/xdp_firewall.maps engine jit"
echo "== xbpf xdp run $demo/xdp_firewall.o --pcap $demo/traffic.pcap \\"
echo "       --init-maps examples/xdp_firewall.maps engine jit --out $demo/passed.pcap"
echo "   (verified again as it loads; the JIT runs it)"
$run --out $demo/passed.pcap
echo

# The maps, as JSON, from a second run (--dump-maps): statistics and top talkers.
$run -j --dump-maps 2>/dev/null > $demo/maps.json
jq -r '
  def byte: ltrimstr("0x") | explode | map(if . >= 97 then . - 87 else . - 48 end) | .[0] * 16 + .[1];
  def le64: map(byte) as $b | reduce range(7; -1; -1) as $i (0; . * 256 + $b[$i]);
  def group: . as $n | "0123456789abcdef" as $d
    | [($n / 4096 | floor) % 16, ($n / 256 | floor) % 16, ($n / 16 | floor) % 16, $n % 16]
    | map($d[.:(. + 1)]) | join("") | sub("^0+(?=.)"; "");
  def address: map(byte) as $k
    | if $k[0] == 4 then $k[4:8] | map(tostring) | join(".")
      else [range(0; 8) as $i | ($k[4 + 2 * $i] * 256 + $k[5 + 2 * $i]) | group] | join(":") end;
  ["packets", "bytes", "pass", "dropped: blocklist", "dropped: SYN flood", "dropped: malformed",
   "VLAN tagged", "IPv4", "IPv6", "IPv6 with extension headers", "fragments", "TCP", "UDP",
   "TCP SYN", "other (ARP, ...)"] as $names
  | "== the firewall'"'"'s statistics (per-CPU array \"stats\", summed)",
    (.maps[] | select(.name == "stats") | .entries[]
      | "   \($names[.key | map(byte) | .[0]] | . + " " * (30 - length))\(.values | map(.value | le64) | add)"),
    "",
    "== top talkers (LRU hash \"talkers\": packets, bytes, dropped per source)",
    (.maps[] | select(.name == "talkers") | .entries
      | map({source: (.key | address), packets: (.value[0:8] | le64),
             bytes: (.value[8:16] | le64), dropped: (.value[16:24] | le64)})
      | sort_by(-.packets) | .[:10][]
      | "   \(.source | . + " " * (26 - length))\(.packets | tostring | " " * (8 - length) + .) packets \(.bytes | tostring | " " * (10 - length) + .) bytes \(.dropped | tostring | " " * (7 - length) + .) dropped")
' $demo/maps.json
echo
echo "== passed packets: $demo/passed.pcap ($(wc -c < $demo/passed.pcap) bytes)"
echo "demo finished in $(( $(date +%s) - start )) s"
