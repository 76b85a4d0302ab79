#!/bin/sh
# The live XDP datapath's throughput (docs/xdp.md), next to the Linux kernel's own XDP in
# generic mode running the same object on the same setup, in the same run.
#
#     bench/run_live_bench.sh [BUILD_DIR] [PACKETS] [ENGINE]     (build, 300000, interp)
#
# Three network namespaces joined by veth pairs, as tests/e2e/xdp_live.sh builds them: a
# sender, the datapath in the middle (m0 facing the sender, m1 facing the receiver), a
# receiver. `traffic-gen --send s0` sends the demo's mix of frames (runts left out) as fast as
# the sender's packet socket takes them; tests/programs/xdp_live_fw.bpf.c runs on m0:
#   1. xbpf net attach xdp ... dev m0 --forward m1: the frames the program ran, the frames the
#      receiver got, and the rate (frames run / the sender's time: the datapath keeps up or its
#      ring overflows and it loses frames);
#   2. ip link set m0 xdpgeneric (the kernel's generic XDP): the program's runs (run_cnt with
#      kernel.bpf_stats_enabled) and its average ns per run. Generic XDP runs in the sender's
#      transmit path, so its rate is the sender's.
# Needs root, iproute2, bpftool, jq.
set -eu
build=${1:-build}
packets=${2:-300000}
engine=${3:-interp}
xbpf=$build/bin/xbpf
gen=$build/bin/traffic-gen
object=$build/tests/programs/xdp_live_fw.v2.o
[ "$(id -u)" -eq 0 ] || { echo "run_live_bench.sh: needs root"; exit 2; }
for tool in ip bpftool jq; do
  command -v $tool >/dev/null 2>&1 || { echo "run_live_bench.sh: needs $tool"; exit 2; }
done

id=$$
snd=xbpf-bsnd-$id
mid=xbpf-bmid-$id
rcv=xbpf-brcv-$id
work=$(mktemp -d)
stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
  ip netns del $snd 2>/dev/null || true
  ip netns del $mid 2>/dev/null || true
  ip netns del $rcv 2>/dev/null || true
  sysctl -qw kernel.bpf_stats_enabled="$stats"
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add $snd
ip netns add $mid
ip netns add $rcv
ip link add s0 netns $snd type veth peer name m0 netns $mid
ip link add r0 netns $rcv type veth peer name m1 netns $mid
for ns in $snd $mid $rcv; do
  ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n $ns link set lo up
done
ip -n $snd link set s0 up
ip -n $rcv link set r0 up
ip -n $mid link set m0 up
ip -n $mid link set m1 up
rx() { ip netns exec "$1" cat /sys/class/net/"$2"/statistics/rx_packets; }
rate() { echo "$1 $2" | awk '{ printf "%.0f", $1 / $2 }'; }

echo "== xbpf net attach xdp $(basename "$object") dev m0 --forward m1 engine $engine"
ip netns exec $mid "$xbpf" -j net attach xdp "$object" dev m0 --forward m1 engine "$engine" \
  2>"$work/xbpf" &
pid=$!
for _ in $(seq 50); do grep -q '"packets"' "$work/xbpf" 2>/dev/null && break; sleep 0.1; done
before=$(rx $rcv r0)
sent=$(ip netns exec $snd "$gen" --send s0 --packets "$packets")
sleep 1
received=$(( $(rx $rcv r0) - before ))
kill -INT $pid
wait $pid
run=$(grep '"final":true' "$work/xbpf" | jq .packets)
seconds=$(echo "$sent" | awk '{ print $5 }')
echo "   sender: $sent"
echo "   xbpf ran $run frames ($(rate "$run" "$seconds") frames/s over the sender's time), the receiver got $received"

echo "== the kernel's generic XDP: ip link set m0 xdpgeneric obj $(basename "$object")"
sysctl -qw kernel.bpf_stats_enabled=1
ip -n $mid link set dev m0 xdpgeneric obj "$object" sec xdp
prog=$(ip -n $mid -j link show m0 | jq '.[0].xdp.prog.id')
runs_before=$(bpftool -j prog show id "$prog" | jq '.run_cnt // 0')
time_before=$(bpftool -j prog show id "$prog" | jq '.run_time_ns // 0')
sent=$(ip netns exec $snd "$gen" --send s0 --packets "$packets")
sleep 1
runs=$(( $(bpftool -j prog show id "$prog" | jq '.run_cnt // 0') - runs_before ))
ns=$(( $(bpftool -j prog show id "$prog" | jq '.run_time_ns // 0') - time_before ))
seconds=$(echo "$sent" | awk '{ print $5 }')
echo "   sender: $sent"
echo "   the kernel ran $runs frames ($(rate "$runs" "$seconds") frames/s over the sender's time), $(rate "$ns" "$runs") ns per run"
ip -n $mid link set dev m0 xdpgeneric off
