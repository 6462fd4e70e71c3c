#!/bin/sh
# The arm* commands without an agent: --help, usage errors, the one-line "agent not running" error and
# its exit code. (Their round trips against a real ControlServer run in NativeCommandsTest.)
# Usage: test_commands.sh BINDIR
set -u
bin=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
export ARMD_SOCKET="$tmp/none/armd.sock"
unset ARMS_GROUPNAME ARMD_SCRIPT
expect() { # expect EXIT_CODE STDERR_PREFIX COMMAND [ARGS...]
  want=$1; prefix=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
  if [ $rc != "$want" ]; then
    echo "FAIL test_commands: '$*' exited $rc, expected $want: $(cat "$tmp/err")" >&2; fail=1; return
  fi
  if [ -n "$prefix" ]; then
    case "$(cat "$tmp/err")" in
      "$prefix"*) ;;
      *) echo "FAIL test_commands: '$*' said '$(cat "$tmp/err")', expected '$prefix...'" >&2; fail=1 ;;
    esac
    [ "$(wc -l < "$tmp/err")" = 1 ] || { echo "FAIL test_commands: '$*' printed more than one line" >&2; fail=1; }
  fi
}
for c in armload armkill armlog armfover armdown armrsp armrelpath armlsmnt armcl armgrp armsrv armstat; do
  expect 0 "" "$bin/$c" --help
  [ -s "$tmp/out" ] || { echo "FAIL test_commands: $c --help printed nothing" >&2; fail=1; }
done
expect 0 "" "$bin/armctl" --help
expect 0 "" "$bin/armctl" armstat --help
expect 2 "armctl: unknown command 'nope'" "$bin/armctl" nope
none="agent not running (no control socket at $ARMD_SOCKET)"
expect 4 "armstat: $none" "$bin/armstat"
expect 4 "armstat: $none" "$bin/armstat" --json
expect 4 "armcl: $none" "$bin/armcl" start
expect 4 "armsrv: $none" "$bin/armsrv" leave
expect 4 "armgrp: $none" "$bin/armgrp" move A server2
expect 4 "armfover: $none" "$bin/armfover" A
expect 4 "armdown: $none" "$bin/armdown"
expect 4 "armlsmnt: $none" "$bin/armlsmnt" A
expect 4 "armlog: $none" "$bin/armlog" hello
expect 4 "armkill: $none" "$bin/armkill" -g A app
expect 4 "armload: $none" "$bin/armload" -g A -i app sleep 60
expect 3 "armload: cannot run /nonexistent/app: No such file or directory" "$bin/armload" -g A /nonexistent/app
expect 2 "armd rsp:" "$bin/armrsp"   # runs armd rsp: a usage error without --group
expect 2 "armcl: expected start or shutdown" "$bin/armcl"
expect 2 "armcl: unknown operation 'reboot'" "$bin/armcl" reboot
expect 2 "armgrp: expected start, stop or move, and GROUP" "$bin/armgrp" move
expect 2 "armgrp: stop takes only GROUP" "$bin/armgrp" stop A server1
expect 2 "armsrv: unknown operation 'explode'" "$bin/armsrv" explode
expect 2 "armstat: unexpected argument 'x'" "$bin/armstat" x
expect 2 "armload: no COMMAND" "$bin/armload" -g A
expect 2 "armload: no -g GROUP given and ARMS_GROUPNAME is not set" "$bin/armload" sleep 1
expect 2 "armload: -a takes failover or restart, not 'reboot'" "$bin/armload" -g A -a reboot sleep 1
expect 2 "armload: -r takes a whole number from 0 to 1000, not 'x'" "$bin/armload" -g A -r x sleep 1
expect 2 "armkill: no NAME" "$bin/armkill" -g A
expect 2 "armkill: no -g GROUP given and ARMS_GROUPNAME is not set" "$bin/armkill" app
expect 2 "armlog: no MESSAGE" "$bin/armlog"
expect 2 "armfover: expected GROUP and at most one SERVER" "$bin/armfover"
expect 2 "armlsmnt: no GROUP given and ARMS_GROUPNAME is not set" "$bin/armlsmnt"
ARMD_SOCKET="$tmp/$(printf '%0120d' 0)/armd.sock" expect 2 "armstat: control socket path" "$bin/armstat"
[ $fail = 0 ] && echo "test_commands: ok"
exit $fail
