#!/usr/bin/env bash
# Client-visible failover, armd beside keepalived (armd.bench.FailoverHarness): a client probes a virtual IP
# every millisecond while a pair of agents in network namespaces serves it; kill -9, link down and an nftables
# partition of the holder, the time to the first echo reply from the other node; footprint; soak under stress-ng.
# Root only. Installs what it needs (scripts/setup), builds (scripts/build), prints Markdown and replaces its
# section of benchmarks/RESULTS.md.
# Usage: benchmarks/failover.sh [--runs N] [--soak SECONDS] [--rows R,...] [--smoke] [--armd PATH] ... (--help)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "failover.sh: needs root (network namespaces, AF_PACKET, nftables): run it as root" >&2
  exit 3
fi
case " $* " in *" --help "*|*" -h "*) ;; *) scripts/setup; scripts/build ;; esac
. scripts/jdk.sh
mvn -q -B -o test-compile >/dev/null
# one prefix per run: the trap below removes whatever the harness left under it, even after kill -9 of the JVM
prefix="fo$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')"
work=$(mktemp -d /tmp/armd-failover-XXXXXX)
keep=no
case " $* " in *" --keep "*) keep=yes ;; esac
pid=
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  local ns p
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
  done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ "$keep" = no ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
java --enable-native-access=ALL-UNNAMED -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" \
  armd.bench.FailoverHarness --prefix "$prefix" --work "$work" "$@" &
pid=$!
rc=0
wait "$pid" || rc=$?
exit "$rc"
