#!/bin/sh
# armload against a fake agent: the application starts with none of the script's ignored signals, no
# descriptor beyond 0, 1 and 2, stdin from /dev/null, in a session of its own; the agent gets its pid.
# Usage: test_armload.sh BINDIR OBJDIR (OBJDIR has fake_agent)
set -u
bin=$(cd "$1" && pwd)
obj=$(cd "$2" && pwd)
tmp=$(mktemp -d)
agent=""
cleanup() {
  [ -n "$agent" ] && kill -9 "$agent" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
check() { # check WHAT EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then echo "FAIL test_armload: $1: expected '$2', got '$3'" >&2; fail=1; fi
}
# bounded wait (10 s) for a file to have content
await() {
  i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && { echo "FAIL test_armload: $1 stayed empty" >&2; fail=1; return 1; }
    sleep 0.05
  done
}
export ARMD_SOCKET="$tmp/armd.sock"
"$obj/fake_agent" "$ARMD_SOCKET" >"$tmp/agent.out" & agent=$!
await "$tmp/agent.out"
# the script ignores HUP, USR1 and TERM and holds descriptors 7 and 9 open
(trap '' HUP USR1 TERM; exec 7>"$tmp/seven" 9<"$tmp/agent.out"; exec "$bin/armload" -g A -i app sleep 60) \
  >"$tmp/armload.out" 2>&1
check "armload exit code" 0 $?
wait $agent; check "fake agent exit code" 0 $?
agent=""
check "the agent got the request" "type 0x41" "$(sed -n 2p "$tmp/agent.out")"
check "the agent got the group and the name" "A app" "$(sed -n '3p;4p' "$tmp/agent.out" | tr '\n' ' ' | sed 's/ $//')"
app=$(sed -n 5p "$tmp/agent.out")
case "$app" in
  ''|*[!0-9]*) echo "FAIL test_armload: no pid in the request: $(cat "$tmp/agent.out")" >&2; exit 1 ;;
esac
app_ok=$(cat "/proc/$app/comm" 2>/dev/null)
if [ "$app_ok" = sleep ]; then
  check "ignored signals" "SigIgn:	0000000000000000" "$(grep SigIgn "/proc/$app/status")"
  check "blocked signals" "SigBlk:	0000000000000000" "$(grep SigBlk "/proc/$app/status")"
  check "open descriptors" "0 1 2" "$(ls "/proc/$app/fd" | sort -n | tr '\n' ' ' | sed 's/ $//')"
  check "stdin" "/dev/null" "$(readlink "/proc/$app/fd/0")"
  check "a session of its own" "$app" "$(ps -o sid= -p "$app" | tr -d ' ')"
  kill -9 "$app"
else
  echo "FAIL test_armload: the application (pid $app) is not running: $(cat "$tmp/armload.out")" >&2; fail=1
fi
[ $fail = 0 ] && echo "test_armload: ok"
exit $fail
