#!/usr/bin/env bash
# Failure detection of real agents in network namespaces (armd.bench.DetectionLatency): kill -9 and link
# down, multicast and unicast, default heartbeat 10 ms / 100 ms; then false detections with both cores busy.
# Root only. Usage: benchmarks/detection.sh [ROUNDS] [LOAD_SECONDS]   Prints Markdown for RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
mvn -q -B -o test-compile >/dev/null
exec java --enable-native-access=ALL-UNNAMED \
  -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" \
  armd.bench.DetectionLatency "$@"
