#!/usr/bin/env bash
# Times one control round trip (connect, STATUS request, reply, exit) from a shell, the way start/stop
# scripts call the commands: the native armstat against starting a JVM for `armd status`. Both talk to
# the same ControlServer with a trivial handler (armd.bench.ControlEchoServer), so the difference is the
# client's start-up. Each call is timed on its own (bash $EPOCHREALTIME, no extra fork).
# Usage: benchmarks/control-roundtrip.sh [NATIVE_CALLS] [JVM_CALLS]   (after scripts/build and mvn test-compile)
# Good: armstat well under 5 ms a call; the JVM ~100x that.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
n_native=${1:-200}
n_jvm=${2:-200}
tmp=$(mktemp -d)
sock="$tmp/armd.sock"
coproc SERVER { exec java --enable-native-access=ALL-UNNAMED -cp "target/classes:target/test-classes" \
  armd.bench.ControlEchoServer "$sock"; }
server_pid=$SERVER_PID
cleanup() { exec {SERVER[1]}>&- 2>/dev/null || true; kill "$server_pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
read -r line <&"${SERVER[0]}"   # "listening on ...": the socket is ready
export ARMD_SOCKET="$sock"

time_calls() { # time_calls N COMMAND...: prints "mean p50 p90 p99 min" in ms
  local n=$1; shift
  local t0 t1 i
  local -a ms=()
  for ((i = 0; i < n; i++)); do
    t0=$EPOCHREALTIME
    "$@" >/dev/null
    t1=$EPOCHREALTIME
    ms+=("$(echo "$t0 $t1" | awk '{printf "%.3f", ($2 - $1) * 1000}')")
  done
  printf '%s\n' "${ms[@]}" | sort -n | awk '{a[NR]=$1; s+=$1} END {
    printf "%.2f %.2f %.2f %.2f %.2f\n", s/NR, a[int(NR*0.5)+0], a[int(NR*0.9)], a[int(NR*0.99)], a[1] }'
}

target/bin/armstat >/dev/null   # warm the page cache
target/bin/armd status >/dev/null
echo "calls mean p50 p90 p99 min (ms)"
echo "armstat $n_native $(time_calls "$n_native" target/bin/armstat)"
echo "armd-status $n_jvm $(time_calls "$n_jvm" target/bin/armd status)"
