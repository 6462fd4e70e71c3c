#!/usr/bin/env bash
# Start to serving of one agent, and exec to exit of 'armd version' and 'armd check', with each way of starting
# the JVM faster:
#   cds        the build's JDK, its default CDS archive (-Xshare:auto): what the build tree's launcher runs
#   nocds      the build's JDK, -Xshare:off: the baseline without class-data sharing
#   appcds     the build's JDK, a dynamic AppCDS archive of armd's classes (-XX:ArchiveClassesAtExit in a
#              training run, then -XX:SharedArchiveFile)
#   aot        the build's JDK, the JDK 25 AOT cache (-XX:AOTCacheOutput in a training run, then -XX:AOTCache)
#   jlink      the package's jlink'd runtime (scripts/package, unpacked with dpkg -x) with its CDS archive
#   jlink-aot  the package's runtime with an AOT cache of its own training run
# "Serving" is the agent's READY=1 to the service manager (NOTIFY_SOCKET, as systemd's Type=notify sees it): the
# control socket listens and the first heartbeat has gone out. The agent is server s1 of a two-server cluster
# on loopback (127.0.0.1; s2, 127.0.0.2, never starts: s1 sends to it, nobody answers), no group, no guardian
# (the JVM alone, as the launcher starts it but without armguard in between), state wiped before each start.
# A training run starts the agent, lets it serve 2 s and stops it with SIGTERM. Each round runs every variant
# once, in an order rotated by one each round, so the machine's load falls on all alike. The times come from
# benchmarks/startup/ready.c: wall time (CLOCK_MONOTONIC from fork), CPU time (user + system, every thread: less
# disturbed by a loaded machine than the wall time) and RSS (VmRSS), at READY=1 or at exit.
# No root needed; only loopback traffic (ports from this run's id). Raw figures: target/startup/RUN/times.tsv.
# Usage: benchmarks/startup.sh [ROUNDS]   (default 15)   Prints Markdown for RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-15}
case "$rounds" in
  ''|*[!0-9]*) echo "benchmarks/startup.sh: ROUNDS '$rounds' must be a number" >&2; exit 2 ;;
esac
[ "$rounds" -ge 1 ] && [ "$rounds" -le 500 ] || { echo "benchmarks/startup.sh: ROUNDS must be 1 to 500" >&2; exit 2; }
. scripts/jdk.sh
scripts/package >/dev/null
deb=$(ls -t target/armd_*_amd64.deb | head -n 1)
mkdir -p target/startup
work=$(mktemp -d "$PWD/target/startup/run-$(date +%Y%m%d-%H%M%S).XXXX")
ready=$work/startup-ready
cc -std=c11 -O2 -Wall -Wextra -Werror -o "$ready" benchmarks/startup/ready.c
dpkg -x "$deb" "$work/pkg"
echo "work directory: $work" >&2

# --- the cluster: ports from this run's id, so two runs (or other agents on the machine) do not meet
port=$((20000 + $$ % 20000 * 2))
target/bin/armd keygen "$work/armd.key" >/dev/null
cat >"$work/armd.conf" <<EOF
[cluster]
name = startup
key-file = armd.key
startup-wait = 1s
state-dir = state
socket = armd.sock
status-listen = 127.0.0.1:$((port + 1))

[heartbeat]
port = $port

[server s1]
address = 127.0.0.1

[server s2]
address = 127.0.0.2
EOF

jdk_java=$JAVA_HOME/bin/java
jdk_jar=$PWD/target/lib/armd.jar
pkg_java=$work/pkg/usr/lib/armd/runtime/bin/java
pkg_jar=$work/pkg/usr/lib/armd/lib/armd.jar
# the launcher's options, without -Xshare (each variant says its own)
common=(--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC "-Darmd.bin=$PWD/target/bin")

# the command line of VARIANT (into the array cmd)
command_of() {
  case "$1" in
    cds) cmd=("$jdk_java" "${common[@]}" -Xshare:auto -jar "$jdk_jar") ;;
    nocds) cmd=("$jdk_java" "${common[@]}" -Xshare:off -jar "$jdk_jar") ;;
    appcds) cmd=("$jdk_java" "${common[@]}" "-XX:SharedArchiveFile=$work/armd.jsa" -jar "$jdk_jar") ;;
    aot) cmd=("$jdk_java" "${common[@]}" "-XX:AOTCache=$work/armd.aot" -jar "$jdk_jar") ;;
    jlink) cmd=("$pkg_java" "${common[@]}" -Xshare:auto -jar "$pkg_jar") ;;
    jlink-aot) cmd=("$pkg_java" "${common[@]}" "-XX:AOTCache=$work/armd-jlink.aot" -jar "$pkg_jar") ;;
    train-jdk) cmd=("$jdk_java" "${common[@]}" -jar "$jdk_jar") ;;
    train-jlink) cmd=("$pkg_java" "${common[@]}" -jar "$pkg_jar") ;;
  esac
}

run_agent() { # LOG VARIANT HOLD-MS [JVM options before -jar...]: one start; prints startup-ready's line
  local log=$1 variant=$2 hold=$3
  shift 3
  command_of "$variant"
  local n=${#cmd[@]}
  rm -rf "$work/state" "$work/armd.sock"
  (cd "$work" && "$ready" --ready 120000 --hold "$hold" "${cmd[@]:0:n-2}" "$@" "${cmd[@]:n-2}" \
    run --config armd.conf --server s1 2>>"$work/$log")
}

# --- the training runs and the archives they leave
echo "training runs (AppCDS, AOT cache, AOT cache of the jlink'd runtime)" >&2
train() { # VARIANT HOLD-MS OPTION
  run_agent train.log "$@" >/dev/null || {
    echo "benchmarks/startup.sh: training run $3 failed (see $work/train.log)" >&2
    exit 1
  }
}
train train-jdk 2000 "-XX:ArchiveClassesAtExit=$work/armd.jsa"
train train-jdk 2000 "-XX:AOTCacheOutput=$work/armd.aot"
train train-jlink 2000 "-XX:AOTCacheOutput=$work/armd-jlink.aot"
for f in armd.jsa armd.aot armd-jlink.aot; do
  [ -s "$work/$f" ] || {
    echo "benchmarks/startup.sh: the training run left no $work/$f (see $work/train.log)" >&2
    exit 1
  }
done
# each archive must really be used: -Xshare:on and -XX:AOTMode=on refuse to start without it
for v in appcds aot jlink jlink-aot; do
  command_of "$v"
  n=${#cmd[@]}
  case "$v" in *aot) on=-XX:AOTMode=on ;; *) on=-Xshare:on ;; esac
  "${cmd[@]:0:n-2}" "$on" "${cmd[@]:n-2}" version >/dev/null 2>"$work/check-$v.log" || {
    echo "benchmarks/startup.sh: variant $v does not map its archive (see $work/check-$v.log)" >&2
    exit 1
  }
done

variants=(cds nocds appcds aot jlink jlink-aot)
times=$work/times.tsv
printf 'round\tvariant\tkind\tms\tcpu_ms\trss_kib\tload1\n' >"$times"
for ((r = 1; r <= rounds; r++)); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "round $r of $rounds (load $load)" >&2
  for ((i = 0; i < ${#variants[@]}; i++)); do
    v=${variants[(i + r) % ${#variants[@]}]}
    status=; read -r ms cpu rss _ status < <(run_agent agent.log "$v" 0) || true
    if [ -z "$status" ] || [ -n "${ms//[0-9.]/}" ]; then
      echo "  $v: no READY=1 ($ms $cpu): not counted (see $work/agent.log)" >&2
      continue
    fi
    [ "$status" = 0 ] || echo "  $v: the agent exited $status after SIGTERM (see $work/agent.log)" >&2
    printf '%d\t%s\tserving\t%s\t%s\t%s\t%s\n' "$r" "$v" "$ms" "$cpu" "$rss" "$load" >>"$times"
    command_of "$v"
    for kind in version check; do
      if [ "$kind" = version ]; then args=(version); else args=(check --config "$work/armd.conf"); fi
      status=; read -r ms cpu status < <("$ready" --exit 60000 "${cmd[@]}" "${args[@]}" 2>>"$work/exit.log") || true
      if [ "$status" != 0 ]; then
        echo "  $v: armd $kind: $ms $cpu $status: not counted (see $work/exit.log)" >&2
        continue
      fi
      printf '%d\t%s\t%s\t%s\t%s\t-\t%s\n' "$r" "$v" "$kind" "$ms" "$cpu" "$load" >>"$times"
    done
  done
done
# what the JVM said in the timed runs (the dynamic AppCDS archive on the JDK's base archive: 3 error lines a start)
for log in agent.log exit.log; do
  n=$(grep -cE '\]\[(warning|error) *\]' "$work/$log" || true)
  [ "$n" = 0 ] || echo "benchmarks/startup.sh: $n warning or error lines of the JVM in $work/$log" >&2
done

# --- the summary: per variant and kind the median, p90 and min of the wall time from exec, the median CPU time
# (user + system, every thread); the difference to its base variant in the same round (nocds, appcds, aot, jlink:
# cds; jlink-aot: jlink), its median with the 95 % confidence interval of that median (order statistics: ranks
# k+1 and n-k, k = n/2 - 0.98 sqrt(n)), for the wall time and for the CPU time
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "machine: $(nproc) cores, $cpu; $(java -version 2>&1 | head -n 1)"
awk -F'\t' 'NR > 1 { print $7 }' "$times" | sort -n | awk '{ a[NR] = $1 } END {
  printf "load (1-minute average at each round start): min %s, median %s, max %s\n", a[1], a[int((NR + 1) / 2)], a[NR]
}'
summary='
function sortn(x, n,   i, j, t) {
  for (i = 2; i <= n; i++) { t = x[i]; for (j = i - 1; j >= 1 && x[j] > t; j--) x[j + 1] = x[j]; x[j + 1] = t }
}
function median(x, n) { return n == 0 ? 0 : (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
function paired(a, b,   r, d, n, k) {
  n = 0
  for (r in a) if (r in b) d[++n] = a[r] - b[r]
  if (n == 0) return "-"
  sortn(d, n)
  k = int(n / 2 - 0.98 * sqrt(n)); if (k < 0) k = 0
  return sprintf("%+.0f [%+.0f, %+.0f]", median(d, n), d[k + 1], d[n - k])
}
NR > 1 && $3 == k && $2 == base { bms[$1] = $4; bcpu[$1] = $5 }
NR > 1 && $3 == k && $2 == v { ms[$1] = $4; cpu[$1] = $5; if ($6 != "-") rss[++nr] = $6 / 1024 }
END {
  n = 0
  for (r in ms) { t[++n] = ms[r]; c[n] = cpu[r] }
  sortn(t, n); sortn(c, n); sortn(rss, nr)
  p90 = int(0.9 * n + 0.999999); if (p90 < 1) p90 = 1
  dms = v == base ? "-" : paired(ms, bms)
  dcpu = v == base ? "-" : paired(cpu, bcpu)
  r = nr ? sprintf("%.1f", median(rss, nr)) : "-"
  printf "| %s | %d | %.0f | %.0f | %.0f | %s | %.0f | %s | %s |\n", v, n, median(t, n), t[p90], t[1], dms,
    median(c, n), dcpu, r
}'
for kind in serving version check; do
  echo
  echo "#### $kind: ms from exec to $([ "$kind" = serving ] && echo READY=1 || echo exit) ($rounds rounds)"
  echo
  echo "| variant | n | median | p90 | min | vs base: median [95 % CI] | CPU median | CPU vs base | RSS MiB |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for v in "${variants[@]}"; do
    case "$v" in jlink-aot) base=jlink ;; *) base=cds ;; esac
    awk -F'\t' -v v="$v" -v k="$kind" -v base="$base" "$summary" "$times"
  done
done
