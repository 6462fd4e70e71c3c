#!/usr/bin/env bash
# Forged-heartbeat floods against two real agents in network namespaces (armd.bench.HeartbeatFlood): counts
# false "down" declarations, the agents' CPU and their drop counters. Root only. The classes are copied first,
# so that a build during the (long) run cannot change what the agents run.
# Usage: benchmarks/heartbeat-flood.sh [SECONDS] [KIND:RATE ...]   (KIND: none, bad-mac, foreign, garbage)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
mvn -q -B -o test-compile >/dev/null
copy=$(mktemp -d /tmp/armd-flood.XXXXXX)
trap 'rm -rf "$copy"' EXIT
cp -r target/classes "$copy/classes"
cp -r target/test-classes "$copy/test-classes"
java --enable-native-access=ALL-UNNAMED \
  -cp "$copy/classes:$copy/test-classes:$(cat target/test-classpath.txt)" \
  armd.bench.HeartbeatFlood "$@"
