#!/bin/sh
# armrelpath against real processes: one holding a file open under the path, one whose current directory
# is under it, one ignoring SIGTERM (killed by SIGKILL after the grace period), and one using another
# directory that must survive. Usage: test_armrelpath.sh BINDIR
set -u
bin=$(cd "$1" && pwd)
tmp=$(mktemp -d)
fail=0
pids=""
cleanup() {
  for p in $pids; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
check() { # check WHAT EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then echo "FAIL test_armrelpath: $1: expected $2, got $3" >&2; fail=1; fi
}
# wait (bounded: 10 s) until /proc/PID/LINK points at TARGET
await_link() {
  i=0
  while [ "$(readlink "/proc/$1/$2" 2>/dev/null)" != "$3" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && { echo "FAIL test_armrelpath: pid $1 never had $2 -> $3" >&2; fail=1; return; }
    sleep 0.05
  done
}
mkdir -p "$tmp/shared/dir" "$tmp/other"
: > "$tmp/shared/file"; : > "$tmp/shared/stubborn"; : > "$tmp/other/file"

sh -c 'exec 3<"$1"; exec sleep 60' _ "$tmp/shared/file" & open=$!
(cd "$tmp/shared/dir" && exec sleep 60) & incwd=$!
sh -c "trap '' TERM; exec 3<\"\$1\"; exec sleep 60" _ "$tmp/shared/stubborn" & stubborn=$!
sh -c 'exec 3<"$1"; exec sleep 60' _ "$tmp/other/file" & other=$!
pids="$open $incwd $stubborn $other"
await_link $open fd/3 "$tmp/shared/file"
await_link $incwd cwd "$tmp/shared/dir"
await_link $stubborn fd/3 "$tmp/shared/stubborn"
await_link $other fd/3 "$tmp/other/file"

out=$("$bin/armrelpath" -t 1 "$tmp/shared"); rc=$?
check "exit code when some were killed" 1 $rc
check "killed lines" 3 "$(printf '%s\n' "$out" | grep -c '^killed ')"
wait $open; check "open file holder ended by" 143 $?
wait $incwd; check "cwd holder ended by" 143 $?
wait $stubborn; check "SIGTERM-ignoring holder ended by" 137 $?
kill -0 $other 2>/dev/null; check "the process using another directory is alive" 0 $?

"$bin/armrelpath" "$tmp/shared" >/dev/null; check "exit code when none use it" 0 $?
"$bin/armrelpath" "$tmp/missing" 2>/dev/null; check "exit code for a missing path" 3 $?
"$bin/armrelpath" 2>/dev/null; check "exit code without a path" 2 $?
"$bin/armrelpath" / 2>/dev/null; check "exit code for /" 2 $?
"$bin/armrelpath" --help >/dev/null; check "exit code of --help" 0 $?
# the calling shell itself has its cwd under the path: it is the parent, never killed
(cd "$tmp/other" && "$bin/armrelpath" -q -t 1 "$tmp/other"); check "exit code with the caller inside" 1 $?
wait $other; check "other holder ended by" 143 $?
pids=""
[ $fail = 0 ] && echo "test_armrelpath: ok"
exit $fail
