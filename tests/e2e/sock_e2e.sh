#!/bin/sh
# End-to-end test of the socket hooks (`xbpf cgroup run`, docs/sock.md): real processes and
# real sockets in a network namespace this script makes (as root `unshare -n`, otherwise with a
# user namespace `unshare -rn`), running tests/e2e/sock_app (an ordinary network program) under
# the programs of tests/programs/sock_*.bpf.c, and a backend outside the cgroup:
#   - denied connects and binds get EPERM; a connect to a service address reaches the backend
#     (which sees the connection), a rewritten bind binds where the program said; IPv6 and
#     IPv4-mapped addresses; --init-maps changes the backend;
#   - a thread flipping the address's port while another connects never reaches the denied
#     port (without supervision the same program does);
#   - a forking server's children, exec'd or not, stay supervised;
#   - non-blocking connects (EINPROGRESS), a connect interrupted by a signal (EINTR), a
#     process that exits while its connect waits (the socket goes with it), 2000 connects from
#     8 threads and 1000 in flight at once behave as without supervision;
#   - the helpers (bpf_bind, bpf_setsockopt, cookies, the caller's identity) and
#     getpeername rewrites; io_uring and TCP Fast Open refused; AF_UNIX sockets keep working;
#     a static binary is supervised; Cilium's bpf_sock.o runs when ../shared has it;
#   - UDP (sendmsg4/6, recvmsg4/6): sends refused, sent to a backend, from another source;
#     the backend's answers seem to come from the service; sendto, sendmsg, sendmmsg and their
#     receives; a thread flipping the message's port cannot get a datagram past a refusal;
#   - the programs' maps count every decision; bad programs and bad command lines are refused.
# Every wait is for a condition (a line in a file, a socket gone), 30 s at most: the machine
# may be loaded.
# Usage: sock_e2e.sh BUILD_DIR. Exit 77 (skipped, with the reason) where it cannot run.
set -u
build=$1
xbpf=$build/bin/xbpf
app=$build/bin/sock_app
udp_app=$build/bin/sock_udp_app
static_app=$build/bin/sock_app_static
programs=$build/tests/programs
policy=$programs/sock_policy.v2.o

skip() {
  echo "SKIPPED: $*"
  exit 77
}
fail() {
  echo "FAILED: $*"
  exit 1
}

if [ "${SOCK_E2E_INSIDE:-}" != 1 ]; then
  [ -x "$xbpf" ] && [ -x "$app" ] || skip "$xbpf or $app is not built"
  [ -f "$policy" ] || skip "the test programs are not built (clang missing?)"
  command -v ip >/dev/null 2>&1 || skip "needs iproute2 (ip)"
  command -v unshare >/dev/null 2>&1 || skip "needs unshare (util-linux)"
  why=$("$xbpf" cgroup run "$policy" -- true 2>&1) || skip "xbpf cannot supervise here: $why"
  if [ "$(id -u)" -eq 0 ]; then ns="unshare -n"; else ns="unshare -rn"; fi
  $ns true 2>/dev/null || skip "cannot create a network namespace ($ns)"
  SOCK_E2E_INSIDE=1 exec $ns sh "$0" "$@"
fi

work=$(mktemp -d)
pids=""
cleanup() {
  for pid in $pids; do kill "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
ip link set lo up || fail "ip link set lo up"
# A route to nowhere: SYNs to 10.98.0.2 leave through a veth pair whose other end has no
# address (a permanent neighbour entry, so that no ARP failure ends the connect early), and
# are never answered.
blackhole=""
if ip link add bh0 type veth peer name bh1 2>/dev/null; then
  ip addr add 10.98.0.1/24 dev bh0 && ip link set bh0 up && ip link set bh1 up &&
    ip neigh add 10.98.0.2 lladdr 02:00:00:00:98:02 dev bh0 nud permanent && blackhole=10.98.0.2
fi

# wait_for FILE TEXT: until FILE has a line containing TEXT (30 s at most).
wait_for() {
  i=0
  until grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 300 ] && fail "waited 30 s for '$2' in $1: $(cat "$1" 2>/dev/null)"
    sleep 0.1
  done
}
# start NAME COMMAND...: runs in the background, output in $work/NAME; waits until it listens.
start() {
  name=$1
  shift
  "$@" >"$work/$name" 2>&1 &
  pids="$pids $!"
  wait_for "$work/$name" listening
}
# expect FILE TEXT: FILE has a line containing TEXT.
expect() {
  grep -q -- "$2" "$1" || fail "expected '$2' in $1:
$(cat "$1")"
}
# run NAME OBJECT XBPF-OPTIONS... -- COMMAND...: under the cgroup, maps dumped at the end.
run() {
  name=$1
  object=$2
  shift 2
  "$xbpf" cgroup run "$object" --dump-maps --stats "$@" >"$work/$name" 2>&1
  echo $? >"$work/$name.code"
}
# bytes NAME MAP KEY: the value bytes ("01 00 ...") at KEY (its first byte) of MAP in run
# NAME's map dump.
bytes() {
  awk -v map="'$2'" -v key="$(printf '%02x' "$3")" '
    $1 == "map" { inside = ($2 == map) }
    inside && $1 == "key:" && $2 == key {
      for (i = 1; $i != "value:"; i++) {}
      line = ""; for (i++; i <= NF; i++) line = line (line == "" ? "" : " ") $i
      print line; exit }' "$work/$1"
}
# count NAME MAP KEY: that value as a number (little-endian, up to 6 bytes).
count() {
  value=0
  shift_by=1
  for byte in $(bytes "$@" | cut -d' ' -f1-6); do
    value=$((value + 0x$byte * shift_by))
    shift_by=$((shift_by * 256))
  done
  echo $value
}
# decisions NAME HOOK OUTCOME: the policy's count (hooks connect4 0, connect6 1, bind4 2,
# bind6 3; outcomes allowed 0, refused 1, rewritten 2).
decisions() { count "$1" decisions $(($2 * 4 + $3)); }
expect_count() {  # WHAT ACTUAL EXPECTED
  [ "$2" = "$3" ] || fail "$1: expected $3, found $2"
}

start backend "$app" serve 127.0.0.1 8080
start backend2 "$app" serve 127.0.0.1 8181
start backend6 "$app" serve ::1 8080

echo "1. refusals, a redirect to the backend, a rewritten bind (IPv4)"
run v4 "$policy" -- sh -c "
  $app connect 127.0.0.1 7; $app connect 10.9.9.9 80; $app bind 127.0.0.1 9;
  $app bind 127.0.0.1 5555; $app connect 127.0.0.1 8181; $app bind 127.0.0.1 80"
expect "$work/v4" "error EPERM"
expect "$work/v4" "connected 127.0.0.1:8080"
expect "$work/v4" "greeting hello from 8080"
expect "$work/v4" "bound 127.0.0.1:6666"
expect "$work/v4" "greeting hello from 8181"
expect "$work/v4" "bound 127.0.0.1:80"
[ "$(grep -c "error EPERM" "$work/v4")" = 2 ] || fail "two calls should be refused: $(cat "$work/v4")"
wait_for "$work/backend" "accepted 127.0.0.1"
expect_count "connect4 refused" "$(decisions v4 0 1)" 1
expect_count "connect4 rewritten" "$(decisions v4 0 2)" 1
expect_count "connect4 allowed" "$(decisions v4 0 0)" 1
expect_count "bind4 refused" "$(decisions v4 2 1)" 1
expect_count "bind4 rewritten" "$(decisions v4 2 2)" 1
expect_count "bind4 allowed" "$(decisions v4 2 0)" 1
expect "$work/v4" "refused 2  rewritten 2"

echo "2. the backend from a map (--init-maps)"
printf 'config key 00 00 00 00 value f5 1f 00 00\n' >"$work/maps"  # port 8181
run initmaps "$policy" --init-maps "$work/maps" -- "$app" connect 10.9.9.9 80
expect "$work/initmaps" "greeting hello from 8181"

echo "3. IPv6 and IPv4-mapped addresses"
run v6 "$policy" -- sh -c "
  $app connect ::1 7; $app connect fd00::9 80; $app connect 10.9.9.9 80 inet6;
  $app bind ::1 9; $app bind ::1 5555; $app connect 127.0.0.1 7 inet6"
expect "$work/v6" "connected \[::1\]:8080"
expect "$work/v6" "connected \[::ffff:127.0.0.1\]:8080"
expect "$work/v6" "bound \[::1\]:6666"
[ "$(grep -c "error EPERM" "$work/v6")" = 3 ] || fail "three calls should be refused: $(cat "$work/v6")"
[ "$(grep -c "greeting hello from 8080" "$work/v6")" = 2 ] || fail "two redirects: $(cat "$work/v6")"
expect_count "connect6 refused" "$(decisions v6 1 1)" 2
expect_count "connect6 rewritten" "$(decisions v6 1 2)" 2
expect_count "bind6 refused" "$(decisions v6 3 1)" 1
expect_count "bind6 rewritten" "$(decisions v6 3 2)" 1
expect_count "connect4 runs (none for IPv6 sockets)" "$(decisions v6 0 0)" 0

echo "4. a thread rewriting the address after the call cannot get past a refusal"
"$app" race 8301 7 2000 >"$work/race_free" 2>&1
denied_free=$(sed -n 's/.*denied_accepts \([0-9]*\).*/\1/p' "$work/race_free")
[ "${denied_free:-0}" -gt 0 ] || fail "without supervision the race should reach port 7: $(cat "$work/race_free")"
run race "$policy" -- "$app" race 8302 7 2000
expect "$work/race" "denied_accepts 0"
connected=$(sed -n 's/^connected \([0-9]*\) refused.*/\1/p' "$work/race")
refused=$(sed -n 's/^connected [0-9]* refused \([0-9]*\).*/\1/p' "$work/race")
expect "$work/race" "allowed_accepts $connected "
[ "$refused" -gt 0 ] && [ "$connected" -gt 0 ] || fail "the race should both connect and be refused: $(cat "$work/race")"
expect_count "connect4 refused (race)" "$(decisions race 0 1)" "$refused"
expect_count "connect4 allowed (race)" "$(decisions race 0 0)" "$connected"

echo "5. a forking server's children stay supervised (fork, and fork + exec)"
run forkserver "$policy" -- "$app" forkserver 8090 4 &
pids="$pids $!"
wait_for "$work/forkserver" listening
for i in 1 2 3 4; do "$app" connect 127.0.0.1 8090 >>"$work/forkclients" 2>&1; done
[ "$(grep -c "probe pid .* connect=EPERM bind=EPERM" "$work/forkclients")" = 4 ] ||
  fail "every child should be refused both calls: $(cat "$work/forkclients")"
wait_for "$work/forkserver.code" 0
expect_count "connect4 refused (children)" "$(decisions forkserver 0 1)" 4
expect_count "bind4 refused (children)" "$(decisions forkserver 2 1)" 4
expect_count "bind4 allowed (the server)" "$(decisions forkserver 2 0)" 1

echo "6. non-blocking, interrupted and abandoned connects"
run nonblock "$policy" -- "$app" nonblock 127.0.0.1 8080
expect "$work/nonblock" "so_error 0"
run refused_nb "$policy" -- "$app" nonblock 127.0.0.1 7
expect "$work/refused_nb" "started EPERM"
if [ -n "$blackhole" ]; then
  run inprogress "$policy" -- "$app" nonblock $blackhole 80 nowait
  expect "$work/inprogress" "started EINPROGRESS"
  run interrupt "$policy" -- "$app" interrupt $blackhole 80
  expect "$work/interrupt" "error EINTR"
  "$app" interrupt $blackhole 81 >"$work/interrupt_free" 2>&1
  expect "$work/interrupt_free" "error EINTR"
  # The process exits while its connect waits; the supervisor's copy of its socket must go
  # too (ss, supervised as well, shows no SYN-SENT socket left).
  run midcall "$policy" -- sh -c "$app exit-mid-connect $blackhole 80
    i=0; while [ -n \"\$(ss -Htn state syn-sent dst $blackhole)\" ]; do
      i=\$((i + 1)); [ \$i -gt 300 ] && echo lingering && exit 1; sleep 0.1; done; echo gone"
  expect "$work/midcall" "exiting while thread"
  expect "$work/midcall" "^gone"
else
  echo "   (no veth pair: the EINPROGRESS, EINTR and exit-mid-call cases are skipped)"
fi

echo "7. 2000 connects from 8 threads, 1000 in flight at once"
run flood "$policy" -- "$app" flood 127.0.0.1 8080 8 250
expect "$work/flood" "ok 2000 failed 0"
expect_count "connect4 allowed (flood)" "$(decisions flood 0 0)" 2000
run burst "$policy" -- "$app" burst 127.0.0.1 8080 1000
expect "$work/burst" "ok 1000 failed 0"

echo "8. helpers: bpf_bind, bpf_setsockopt, cookies, the caller's identity"
run helpers "$programs/sock_helpers.v2.o" -- "$app" sockopts 127.0.0.1 8080
expect "$work/helpers" "mark 42"
expect "$work/helpers" "local 127.0.0.2:"
wait_for "$work/backend" "accepted 127.0.0.2"
expect_count "bpf_get_socket_cookie" "$(count helpers info 0)" "$(sed -n 's/^cookie //p' "$work/helpers")"
expect_count "bpf_get_netns_cookie" "$(count helpers info 1)" "$(sed -n 's/^netns_cookie //p' "$work/helpers")"
expect_count "bpf_bind" "$(count helpers info 5)" 0
expect_count "bpf_setsockopt" "$(count helpers info 6)" 0
expect_count "bpf_getsockopt" "$(count helpers info 7)" 42
expect_count "bpf_setsockopt(SO_DEBUG), -EINVAL" "$(bytes helpers info 9)" "ea ff ff ff ff ff ff ff"
uid=$(sed -n 's/^uid //p' "$work/helpers")
expect_count "bpf_get_current_uid_gid (uid)" $(($(count helpers info 3) & 0xffffffff)) "$uid"
# "sock_app" in ASCII
expect_count "bpf_get_current_comm" "$(bytes helpers info 8)" "73 6f 63 6b 5f 61 70 70"
expect_count "ctx->sk->family" "$(count helpers info 10)" 2
expect_count "ctx->sk->protocol" "$(count helpers info 11)" 6
expect_count "ctx->sk->src_ip4 after bpf_bind" "$(count helpers info 12)" $((0x0200007f))
expect_count "ctx->sk->mark after bpf_setsockopt" "$(count helpers info 13)" 42

echo "9. getpeername tells the service's address"
run names "$programs/sock_names.v2.o" -- "$app" connect 10.9.9.9 80
expect "$work/names" "connected 10.9.9.9:80"
expect "$work/names" "greeting hello from 8080"
expect_count "getpeername4 rewrites" "$(count names names 0)" 1

echo "10. what would get around the hook is refused; other sockets keep working"
run uring "$policy" -- "$app" io_uring
expect "$work/uring" "error EPERM"
run fastopen "$policy" -- "$app" fastopen 127.0.0.1 8080
expect "$work/fastopen" "error EOPNOTSUPP"
mkdir -p "$work/unix"
run unix1 "$policy" -- "$app" unix "$work/unix" single
expect "$work/unix1" "unix ok $(id -u)"
run unix2 "$policy" -- "$app" unix "$work/unix" threads
expect "$work/unix2" "unix ok $(id -u)"
if [ -x "$static_app" ]; then
  run static "$policy" -- "$static_app" connect 127.0.0.1 7
  expect "$work/static" "error EPERM"
fi

echo "11. Cilium's bpf_sock.o (real-world), when the shared objects are there"
cilium=${XBPF_SHARED_DIR:-$build/../../shared}/ebpf-samples/cilium-core/bpf_sock.o
if [ -f "$cilium" ]; then
  run cilium "$cilium" attach connect4 attach connect6 -- "$app" connect 127.0.0.1 8080
  expect "$work/cilium" "greeting hello from 8080"
else
  echo "   ($cilium not found: skipped)"
fi

echo "12. UDP: sends refused and redirected, answers from the service (sendmsg, recvmsg)"
udp=$programs/sock_udp.v2.o
start udp_backend "$udp_app" serve 127.0.0.1 9053
start udp_backend6 "$udp_app" serve ::1 9053
start udp_source "$udp_app" serve 127.0.0.1 9054
run udp "$udp" -- sh -c "
  $udp_app send 127.0.0.1 7 no sendto; $udp_app send 10.9.9.9 53 one sendto;
  $udp_app send 10.9.9.9 53 two sendmsg; $udp_app send 10.9.9.9 53 three sendmmsg;
  $udp_app send 10.9.9.9 53 four mixed; $udp_app send 127.0.0.1 9054 five sendmsg"
expect "$work/udp" "error EPERM"
expect "$work/udp" "reply 10.9.9.9:53 echo one"
expect "$work/udp" "reply 10.9.9.9:53 echo two"
expect "$work/udp" "reply 10.9.9.9:53 echo three-1"
expect "$work/udp" "reply 10.9.9.9:53 echo three-2"
expect "$work/udp" "sent 1"
expect "$work/udp" "reply 10.9.9.9:53 echo four"
expect "$work/udp" "reply 127.0.0.1:9054 echo five"
wait_for "$work/udp_backend" "received 127.0.0.1:.* four"
wait_for "$work/udp_source" "received 127.0.0.2:.* five"
expect_count "sendmsg4 refused" "$(count udp counts 1)" 2
expect_count "sendmsg4 rewritten" "$(count udp counts 2)" 6
expect_count "recvmsg4 rewritten" "$(count udp counts 8)" 5
expect_count "msg_src_ip4 of an unbound socket" "$(count udp source 0)" 0
run udp6 "$udp" -- sh -c "
  $udp_app send ::1 7 no sendto; $udp_app send fd00::9 53 six sendmsg;
  $udp_app send 10.9.9.9 53 seven sendto inet6"
expect "$work/udp6" "error EPERM"
expect "$work/udp6" "reply \[fd00::9\]:53 echo six"
expect "$work/udp6" "reply \[::ffff:10.9.9.9\]:53 echo seven"
wait_for "$work/udp_backend6" "received \[::1\]:.* six"
expect_count "sendmsg6 refused" "$(count udp6 counts 5)" 1
expect_count "sendmsg6 rewritten" "$(count udp6 counts 6)" 1
expect_count "sendmsg4 rewritten (mapped)" "$(count udp6 counts 2)" 1
expect_count "recvmsg6 rewritten" "$(count udp6 counts 9)" 2
# Other sends, which the supervisor carries out too while sends are intercepted (from a
# process of two threads).
run udp_others "$udp" -- sh -c "
  $udp_app stream 3000000; $udp_app rights; $udp_app pipe; $udp_app zerocopy"
expect "$work/udp_others" "stream sent 3000000 received 3000000 same yes"
expect "$work/udp_others" "rights ok"
expect "$work/udp_others" "pipe E[A-Z]* sigpipe 1"
expect "$work/udp_others" "zerocopy EOPNOTSUPP"
"$udp_app" race 9301 7 2000 >"$work/udp_race_free" 2>&1
denied_free=$(sed -n 's/.*denied_received \([0-9]*\).*/\1/p' "$work/udp_race_free")
[ "${denied_free:-0}" -gt 0 ] || fail "without supervision the race should reach port 7: $(cat "$work/udp_race_free")"
run udp_race "$udp" -- "$udp_app" race 9302 7 2000
expect "$work/udp_race" "denied_received 0$"
sent=$(sed -n 's/^sent \([0-9]*\) refused.*/\1/p' "$work/udp_race")
refused=$(sed -n 's/^sent [0-9]* refused \([0-9]*\).*/\1/p' "$work/udp_race")
[ "$refused" -gt 0 ] && [ "$sent" -gt 0 ] || fail "the race should both send and be refused: $(cat "$work/udp_race")"
expect_count "sendmsg4 refused (race)" "$(count udp_race counts 1)" "$refused"
expect_count "sendmsg4 allowed (race and its end mark)" "$(count udp_race counts 0)" $((sent + 1))

echo "13. bad programs and bad command lines are refused"
unsafe=$build/tests/verifier/unsafe
if [ -f "$unsafe/sock_addr_ip4_in_connect6.o" ]; then
  run badctx "$unsafe/sock_addr_ip4_in_connect6.o" -- true
  expect_count "exit code (unsafe program)" "$(cat "$work/badctx.code")" 1
  expect "$work/badctx" "offset 4 of bpf_sock_addr is not a field"
  run badret "$unsafe/return_sock_addr_out_of_range.o" -- true
  expect_count "exit code (bad return)" "$(cat "$work/badret.code")" 1
  expect "$work/badret" "outside \[0, 1\]"
fi
run nocommand "$policy"
expect_count "exit code (no command)" "$(cat "$work/nocommand.code")" 2
expect "$work/nocommand" "needs a command after '--'"
run badtype "$policy" attach connect5 -- true
expect_count "exit code (bad attach type)" "$(cat "$work/badtype.code")" 2
run notfound "$policy" -- /nonexistent/program
expect "$work/notfound" "cannot run '/nonexistent/program'"
run noprog "$programs/xdp_actions.v2.o" -- true
expect "$work/noprog" "no cgroup_sock_addr programs"
run exitcode "$policy" -- sh -c "exit 7"
expect_count "exit code (the command's)" "$(cat "$work/exitcode.code")" 7

echo "PASSED"
