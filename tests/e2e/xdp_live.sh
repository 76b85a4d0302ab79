#!/bin/sh
# End-to-end test of the live XDP datapath (`xbpf net attach xdp`, docs/xdp.md), in network
# namespaces this script creates and deletes: a sender (s0, 10.99.0.1), the datapath in the
# middle (m0 facing the sender, m1 facing the receiver; no addresses) and a receiver (r0,
# 10.99.0.2), linked by veth pairs; IPv6 off and static neighbours, so that only the test's
# frames cross.
#   1. tests/programs/xdp_live_fw.bpf.c on m0 --forward m1: of 50 UDP datagrams to port 9999
#      and 30 to port 7777, the receiver gets exactly the 50; the datapath counts 80 frames,
#      50 passed and delivered, 30 dropped.
#   2. tests/programs/xdp_reflect.bpf.c on m0: 20 datagrams come back to the sender (XDP_TX).
#   3. the firewall again, --deliver tap xtap0: the TAP device receives the 50 passed frames.
# Each phase waits for the datapath's reports to count every frame sent (10 s at most) rather
# than a fixed pause, so that a loaded machine does not cut it short.
# Usage: xdp_live.sh BUILD_DIR. Exit 77 (skipped, with the reason) without root, iproute2,
# bash or namespaces.
set -u
build=$1
xbpf=$build/bin/xbpf
fw=$build/tests/programs/xdp_live_fw.v2.o
reflect=$build/tests/programs/xdp_reflect.v2.o

skip() {
  echo "SKIPPED: $*"
  exit 77
}
fail() {
  echo "FAILED: $*"
  exit 1
}
[ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces"
command -v ip >/dev/null 2>&1 || skip "needs iproute2 (ip)"
command -v bash >/dev/null 2>&1 || skip "needs bash (its /dev/udp sends the datagrams)"
[ -x "$xbpf" ] || skip "$xbpf is not built"
[ -f "$fw" ] && [ -f "$reflect" ] || skip "the test programs are not built (clang missing?)"

id=$$
snd=xbpf-snd-$id
mid=xbpf-mid-$id
rcv=xbpf-rcv-$id
work=$(mktemp -d)
cleanup() {
  ip netns del $snd 2>/dev/null
  ip netns del $mid 2>/dev/null
  ip netns del $rcv 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add $snd 2>/dev/null || skip "cannot create network namespaces"
ip netns add $mid && ip netns add $rcv || fail "ip netns add"
ip link add s0 netns $snd address 02:00:00:00:99:01 type veth peer name m0 netns $mid ||
  skip "cannot create veth pairs"
ip link add r0 netns $rcv address 02:00:00:00:99:02 type veth peer name m1 netns $mid ||
  fail "ip link add"
for ns in $snd $mid $rcv; do
  ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n $ns link set lo up
done
ip -n $snd addr add 10.99.0.1/24 dev s0
ip -n $rcv addr add 10.99.0.2/24 dev r0
ip -n $snd link set s0 up
ip -n $rcv link set r0 up
ip -n $mid link set m0 up
ip -n $mid link set m1 up
ip -n $snd neigh add 10.99.0.2 lladdr 02:00:00:00:99:02 dev s0 nud permanent
ip -n $rcv neigh add 10.99.0.1 lladdr 02:00:00:00:99:01 dev r0 nud permanent

counter() {  # namespace interface rx|tx
  ip netns exec "$1" cat /sys/class/net/"$2"/statistics/"$3"_packets
}
send() {  # count port
  ip netns exec $snd bash -c "for i in \$(seq $1); do printf x > /dev/udp/10.99.0.2/$2; done"
}
field() {  # name: from the final JSON line of the datapath
  grep '"final":true' "$work/err" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
start() {  # object, then options
  object=$1
  shift
  ip netns exec $mid "$xbpf" -j net attach xdp "$object" dev m0 "$@" 2>"$work/err" &
  pid=$!
  # Ready once the packet socket is open: wait for the first periodic report line.
  for _ in $(seq 50); do
    grep -q '"packets"' "$work/err" 2>/dev/null && return 0
    kill -0 $pid 2>/dev/null || { cat "$work/err"; fail "xbpf net attach exited"; }
    sleep 0.1
  done
  cat "$work/err"
  fail "xbpf net attach did not start"
}
seen() {  # the packets the datapath's latest report counts
  grep '"packets"' "$work/err" | tail -n 1 | sed -n 's/.*"packets":\([0-9]*\).*/\1/p'
}
settle() {  # frames: waits (10 s at most) until the datapath's reports count that many
  # (a loaded machine may take longer than any fixed pause; the checks stay exact)
  for _ in $(seq 100); do
    [ "$(seen)" -ge "$1" ] 2>/dev/null && return 0
    sleep 0.1
  done
}
stop() {
  sleep 0.2
  kill -INT $pid
  wait $pid || { cat "$work/err"; fail "xbpf net attach failed"; }
}

# 1. The firewall, forwarding.
before=$(counter $rcv r0 rx)
start "$fw" --forward m1
send 50 9999
send 30 7777
settle 80
stop
received=$(( $(counter $rcv r0 rx) - before ))
echo "firewall: $(grep '"final":true' "$work/err")"
[ "$received" -eq 50 ] || fail "the receiver got $received frames, expected 50"
[ "$(field packets)" = 80 ] || fail "the datapath saw $(field packets) frames, expected 80"
[ "$(field XDP_PASS)" = 50 ] || fail "XDP_PASS $(field XDP_PASS), expected 50"
[ "$(field XDP_DROP)" = 30 ] || fail "XDP_DROP $(field XDP_DROP), expected 30"
[ "$(field delivered)" = 50 ] || fail "delivered $(field delivered), expected 50"

# 2. The reflector.
before=$(counter $snd s0 rx)
start "$reflect"
send 20 4242
settle 20
stop
answered=$(( $(counter $snd s0 rx) - before ))
echo "reflector: $(grep '"final":true' "$work/err")"
[ "$answered" -eq 20 ] || fail "the sender got $answered answers, expected 20"
[ "$(field XDP_TX)" = 20 ] || fail "XDP_TX $(field XDP_TX), expected 20"
[ "$(field transmitted)" = 20 ] || fail "transmitted $(field transmitted), expected 20"
# 3. The firewall, delivering to a TAP device in the middle namespace: the frames written to
# it are counted as received on it.
# (The device lives as long as the datapath: read its counter before stopping it.)
start "$fw" --deliver tap xtap0
before=$(counter $mid xtap0 rx)
send 50 9999
send 30 7777
settle 80
sleep 0.2
delivered=$(( $(counter $mid xtap0 rx) - before ))
stop
echo "tap: $(grep '"final":true' "$work/err")"
[ "$delivered" -eq 50 ] || fail "the TAP device received $delivered frames, expected 50"
[ "$(field delivered)" = 50 ] || fail "delivered $(field delivered), expected 50"
echo "xdp_live: passed"
