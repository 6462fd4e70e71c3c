# Sourced by the scripts: sets JAVA_HOME to a JDK 25 or newer, or stops with one line.
# Order: JAVA_HOME if it is 25+, then the standard JVM folder (/usr/lib/jvm), newest first.
armd_jdk_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n 1
}
armd_find_jdk() {
  local cand major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    major=$(armd_jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then return 0; fi
  fi
  for cand in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    cand=${cand%/}
    [ -x "$cand/bin/javac" ] || continue
    major=$(armd_jdk_major "$cand")
    if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$cand"
      return 0
    fi
  done
  echo "armd: no JDK 25 or newer found (JAVA_HOME is '${JAVA_HOME:-unset}', none in /usr/lib/jvm): install one (e.g. Temurin 25) or set JAVA_HOME to it" >&2
  exit 3
}
armd_find_jdk
export PATH="$JAVA_HOME/bin:$PATH"
# maven's bundled guava touches sun.misc.Unsafe: keep its warnings out of the build output
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
