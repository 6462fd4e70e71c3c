#!/bin/sh
# armguard against real processes, addresses, mounts and datagrams: two fresh network namespaces joined by a
# veth (192.0.2.1 and 2001:db8::1 on the guardian's side, .2 and ::2 on the other, where UDP sinks listen), a
# fake agent (a shell script) that adds floating addresses, mounts a tmpfs, starts a background sleep and a
# daemonized one, writes the protocol and is then killed. Needs root; runs in a private mount namespace, so no
# mount reaches the machine's. Usage: test_armguard.sh BINDIR OBJDIR (OBJDIR has udp_sink)
set -u
if [ "$(id -u)" != 0 ]; then
  if [ "${CI:-}" = true ]; then
    echo "FAIL test_armguard: needs root (network namespaces, mounts); run make -C native test as root" >&2
    exit 1
  fi
  echo "*** SKIPPED test_armguard: needs root (network namespaces, mounts) ***" >&2
  exit 0
fi
if [ -z "${ARMGUARD_TEST_PRIVATE:-}" ]; then
  ARMGUARD_TEST_PRIVATE=1 exec unshare --mount --propagation private sh "$0" "$@"
fi
bin=$(cd "$1" && pwd)
obj=$(cd "$2" && pwd)
tmp=$(mktemp -d)
# names unique to the run: the pid and a random byte
tag=ag$$$(od -An -N1 -tx1 /dev/urandom | tr -d ' ')
nsa=${tag}a
nsb=${tag}b
port=7499
fail=0
pids=""
# kills what this test started and still runs, by pid, after checking the pid is still one of ours
kill_ours() {
  for p in "$@"; do
    case "$(cat "/proc/$p/cmdline" 2>/dev/null | tr '\0' ' ')" in
      "sleep 300"[0-3]" "|*/armguard\ *|*/udp_sink\ *|*/agent.sh\ *) kill -9 "$p" 2>/dev/null ;;
    esac
  done
}
cleanup() {
  kill_ours $pids $(cat "$tmp"/*.pid 2>/dev/null)
  mountpoint -q "$tmp/mnt" && umount -l "$tmp/mnt"
  ip netns del "$nsa" 2>/dev/null
  ip netns del "$nsb" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failed() { printf 'FAIL test_armguard (%s): %s\n' "$scenario" "$*" >&2; fail=1; }
check() { # check WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || failed "$1: expected '$2', got '$3'"
}
# bounded waits (30 s: they only run out when something is broken): a file with content, a process that has
# exited (a zombie of ours, or gone)
await_file() {
  i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1)); [ $i -gt 600 ] && { failed "$1 stayed empty"; return 1; }
    sleep 0.05
  done
}
await_exit() { # await_exit PID: sets rc to its exit code
  i=0
  while [ -e "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; do
    i=$((i + 1)); [ $i -gt 600 ] && { failed "pid $1 did not exit within 30 s"; kill -9 "$1"; break; }
    sleep 0.05
  done
  wait "$1"; rc=$?
}
has_addr() { ip -n "$nsa" -o addr show dev va | grep -q " $1 "; }
alive() { [ -e "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }
logged() { grep '^armguard: ' "$tmp/err" | grep -qF "$1" || failed "no armguard line with '$1' in: $(cat "$tmp/err")"; }

scenario=setup
ip netns add "$nsa" && ip netns add "$nsb" && ip link add "${tag}x" type veth peer name "${tag}y" &&
  ip link set "${tag}x" netns "$nsa" && ip link set "${tag}y" netns "$nsb" &&
  ip -n "$nsa" link set "${tag}x" name va && ip -n "$nsb" link set "${tag}y" name vb &&
  ip -n "$nsa" addr add 192.0.2.1/24 dev va && ip -n "$nsb" addr add 192.0.2.2/24 dev vb &&
  ip -n "$nsa" addr add 2001:db8::1/64 dev va nodad && ip -n "$nsb" addr add 2001:db8::2/64 dev vb nodad &&
  ip -n "$nsa" addr add fe80::a1/64 dev va nodad && ip -n "$nsb" addr add fe80::b2/64 dev vb nodad &&
  ip -n "$nsa" link set va up && ip -n "$nsb" link set vb up &&
  ip -n "$nsa" link set lo up && ip -n "$nsb" link set lo up ||
  { failed "cannot make the namespaces (iproute2 installed? scripts/setup installs it)"; exit 1; }
mkdir -p "$tmp/mnt"

# The fake agent: MODE armed, unarmed, disarm (exits 0 after disarm), term (exits 0 on SIGTERM), reload (a
# reset without its armed). It does what an agent does, then tells the protocol, then waits to be killed.
cat > "$tmp/agent.sh" <<'AGENT'
mode=$1; tmp=$2; port=$3
say() { printf '%s\n' "$1" >&"$ARMD_GUARD_FD"; }
ip addr add 192.0.2.100/24 dev va && ip addr add 2001:db8::100/64 dev va nodad &&
  ip addr add 192.0.2.103/24 dev va && ip addr add 192.0.2.104/24 dev va &&
  mount -t tmpfs armguard-test "$tmp/mnt" || exit 99
sleep 3000 & echo $! > "$tmp/sleep.pid"
# a daemon: its parent exits at once, so it is re-parented to the nearest subreaper
sh -c 'setsid sleep 3001 & echo $! > "$1"' _ "$tmp/daemon.pid"
say "armguard 1"
case $mode in
  # a first list, armed, then replaced by a reload (reset ... armed): 192.0.2.103 is forgotten
  armed|reload) say "release-ip va 192.0.2.103/24"; say armed; say reset ;;
esac
say "release-ip va 192.0.2.100/24"
say "release-ip va 2001:db8::100/64"
say "release-ip va 192.0.2.200/24"
say "release-mount $tmp/mnt"
say "release-mount $tmp/never-mounted"
say "gone 192.0.2.2 $port 676f6e652076340a"
say "gone 2001:db8::2 $port 676f6e652076360a"
say "gone fe80::b2%va $port 676f6e65206c6c0a"
say "this line is malformed"
case $mode in
  armed) say armed ;;
  disarm) say armed; say disarm; echo $$ > "$tmp/agent.pid"; exit 0 ;;
  reload) say armed; say reset; say "release-ip va 192.0.2.104/24"; say "release-mount $tmp/mnt" ;;
  term) trap 'kill $!; exit 0' TERM; echo $$ > "$tmp/agent.pid"; sleep 3002 & wait $!; exit 1 ;;
esac
echo $$ > "$tmp/agent.pid"
exec sleep 3003
AGENT

# start_sinks: one UDP sink on each address of the other namespace, expecting 3 datagrams each
start_sinks() {
  : > "$tmp/sink4"; : > "$tmp/sink6"; : > "$tmp/sinkll"
  nsenter --net="/run/netns/$nsb" "$obj/udp_sink" 192.0.2.2 $port 3 30000 > "$tmp/sink4" & sink4=$!
  nsenter --net="/run/netns/$nsb" "$obj/udp_sink" 2001:db8::2 $port 3 30000 > "$tmp/sink6" & sink6=$!
  nsenter --net="/run/netns/$nsb" "$obj/udp_sink" fe80::b2%vb $port 3 30000 > "$tmp/sinkll" & sinkll=$!
  pids="$pids $sink4 $sink6 $sinkll"
  await_file "$tmp/sink4"; await_file "$tmp/sink6"; await_file "$tmp/sinkll"
}
# start MODE [ARMGUARD OPTIONS]: the guardian and its fake agent in the first namespace, ready to be killed
start() {
  mode=$1; shift
  rm -f "$tmp"/*.pid
  # nsenter execs armguard: $! is the guardian's pid (a shell function in the background would be a subshell)
  nsenter --net="/run/netns/$nsa" "$bin/armguard" "$@" -- sh "$tmp/agent.sh" "$mode" "$tmp" $port \
    > "$tmp/out" 2> "$tmp/err" & guard=$!
  pids="$pids $guard"
  await_file "$tmp/agent.pid" && await_file "$tmp/sleep.pid" && await_file "$tmp/daemon.pid"
  sleeper=$(cat "$tmp/sleep.pid"); daemon=$(cat "$tmp/daemon.pid"); agent=$(cat "$tmp/agent.pid")
}
# everything released: processes, mount, addresses; the datagrams arrived 3 times each
assert_released() {
  alive "$sleeper" && failed "the background sleep (pid $sleeper) still runs"
  alive "$daemon" && failed "the daemonized sleep (pid $daemon) still runs"
  mountpoint -q "$tmp/mnt" && failed "$tmp/mnt is still mounted"
  has_addr 192.0.2.100/24 && failed "192.0.2.100 is still on va"
  has_addr 2001:db8::100/64 && failed "2001:db8::100 is still on va"
  await_exit "$sink4"; check "IPv4 sink" 0 $rc
  await_exit "$sink6"; check "IPv6 sink" 0 $rc
  check "IPv4 gone datagrams" "ready 676f6e652076340a 676f6e652076340a 676f6e652076340a" "$(echo $(cat "$tmp/sink4"))"
  check "IPv6 gone datagrams" "ready 676f6e652076360a 676f6e652076360a 676f6e652076360a" "$(echo $(cat "$tmp/sink6"))"
  await_exit "$sinkll"; check "link-local sink" 0 $rc
  check "link-local gone datagrams" "ready 676f6e65206c6c0a 676f6e65206c6c0a 676f6e65206c6c0a" \
    "$(echo $(cat "$tmp/sinkll"))"
  logged "unmounted $tmp/mnt"
  logged "$tmp/never-mounted was not mounted"
  logged "removed 192.0.2.100/24 from va"
  logged "removed 2001:db8::100/64 from va"
  logged "192.0.2.200/24 was not on va"
  logged "sent gone to 192.0.2.2 port $port (3 times, 8 bytes)"
  logged "sent gone to 2001:db8::2 port $port (3 times, 8 bytes)"
  logged "sent gone to fe80::b2%va port $port (3 times, 8 bytes)"
  logged "ignored a malformed line (unknown line): this line is malformed"
}
# nothing released; then the test cleans up what the agent left
assert_kept() {
  alive "$sleeper" || failed "the background sleep was killed"
  alive "$daemon" || failed "the daemonized sleep was killed"
  mountpoint -q "$tmp/mnt" || failed "$tmp/mnt was unmounted"
  has_addr 192.0.2.100/24 || failed "192.0.2.100 was removed"
  grep -q "armguard: sent gone" "$tmp/err" && failed "a gone datagram was sent: $(cat "$tmp/err")"
  kill_ours "$sleeper" "$daemon"
  umount "$tmp/mnt"
  ip -n "$nsa" addr flush dev va
  ip -n "$nsa" addr add 192.0.2.1/24 dev va && ip -n "$nsa" addr add 2001:db8::1/64 dev va nodad
}
# the order of the release: processes, mount points, addresses, datagrams
assert_order() {
  got=$(grep -oE "armguard: (killed|unmounted|removed|sent gone)" "$tmp/err" | uniq | cut -d' ' -f2 | tr '\n' ' ')
  check "order of the release" "killed unmounted removed sent " "$got"
}

scenario="armed, kill -9"
start_sinks
start armed
kill -9 "$agent"
await_exit "$guard"; check "exit code" 137 $rc
assert_released
assert_order
has_addr 192.0.2.103/24 || failed "192.0.2.103 (forgotten by the reload) was removed"
logged "killed "
ip -n "$nsa" addr del 192.0.2.103/24 dev va; ip -n "$nsa" addr del 192.0.2.104/24 dev va

scenario="watchdog SIGABRT, a reload without its armed, --action reboot --dry-run"
start_sinks
start reload --action reboot --dry-run
kill -ABRT "$guard"
await_exit "$guard"; check "exit code" 137 $rc
assert_released
# the unfinished reload: the old list (192.0.2.100 ...) and the new one (192.0.2.104) are both released
has_addr 192.0.2.104/24 && failed "192.0.2.104 (listed in the unfinished reload) is still on va"
has_addr 192.0.2.103/24 || failed "192.0.2.103 (forgotten by the first reload) was removed"
ip -n "$nsa" addr del 192.0.2.103/24 dev va
logged "SIGABRT (watchdog): killing the agent"
logged "would reboot now (--dry-run)"

scenario="never armed, kill -9"
start unarmed
kill -9 "$agent"
await_exit "$guard"; check "exit code" 137 $rc
logged "it never armed: nothing to release"
assert_kept

scenario="disarmed, exit 0"
start disarm
await_exit "$guard"; check "exit code" 0 $rc
logged "it had disarmed: nothing to release"
assert_kept

scenario="SIGTERM forwarded"
start term
kill -TERM "$guard"
await_exit "$guard"; check "exit code (the agent exits 0 on SIGTERM)" 0 $rc
assert_kept

scenario="protocol: split lines, malformed lines (escaped, at most 10 shown), an overlong line"
cat > "$tmp/protocol.sh" <<'AGENT'
say() { printf "$1" >&"$ARMD_GUARD_FD"; }
say 'armguard 1\n'
say "release-mount $1/sp"; sleep 0.1; say 'lit\n'
say 'bell\007 and backslash \\\n'
head -c 5000 /dev/zero | tr '\0' x >&"$ARMD_GUARD_FD"; say '\n'
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do say "nonsense $i\n"; done
say 'release-ip va 192.0.2.300/24\n'
say 'armed\n'
AGENT
"$bin/armguard" -- sh "$tmp/protocol.sh" "$tmp" 2> "$tmp/err"; check "exit code" 0 $?
logged "$tmp/split was not mounted"
logged 'ignored a malformed line (a control character): bell\x07 and backslash \\'
logged "ignored a malformed line (longer than 4096 bytes): xxxxxxxx"
check "malformed lines shown" 10 "$(grep -c 'ignored a malformed line' "$tmp/err")"
# nonsense 9 to 12 and the bad address
logged "5 more malformed lines were ignored without a message"
logged "exited with 0 while armed: releasing 0 addresses, 1 mount points, 0 gone datagrams"
printf 'printf "armguard 2\\narmed\\n" >&"$ARMD_GUARD_FD"\n' > "$tmp/version.sh"
"$bin/armguard" -- sh "$tmp/version.sh" 2> "$tmp/err"; check "exit code" 0 $?
logged "ignored a malformed line (protocol version not supported (this armguard speaks 1): every further line"
logged "it never armed: nothing to release"

scenario="the agent's own action line, over --action"
printf 'printf "armguard 1\\naction reboot\\narmed\\n" >&"$ARMD_GUARD_FD"\n' > "$tmp/action.sh"
"$bin/armguard" --dry-run -- sh "$tmp/action.sh" 2> "$tmp/err"; check "exit code" 0 $?
logged "would reboot now (--dry-run)"
printf 'printf "armguard 1\\naction halt\\narmed\\n" >&"$ARMD_GUARD_FD"\n' > "$tmp/action.sh"
"$bin/armguard" --dry-run -- sh "$tmp/action.sh" 2> "$tmp/err"; check "exit code" 0 $?
logged "expected action release, reboot or panic"
grep -q "would reboot" "$tmp/err" && failed "a bad action line changed the action"

scenario="usage"
"$bin/armguard" > /dev/null 2>&1; check "exit code without COMMAND" 125 $?
"$bin/armguard" --action halt -- true > /dev/null 2>&1; check "exit code of a bad --action" 125 $?
"$bin/armguard" -- "$tmp/no-such-command" 2> /dev/null; check "exit code of a missing COMMAND" 127 $?
"$bin/armguard" -- sh -c 'exit 7' 2> /dev/null; check "exit code of COMMAND" 7 $?
"$bin/armguard" --help > /dev/null; check "exit code of --help" 0 $?

[ $fail = 0 ] && echo "test_armguard: ok"
exit $fail
