# Sourced by the other scripts: points JAVA_HOME at a JDK 21 or newer, which Maven and the node need.
# Keeps a JAVA_HOME that is already 21+, else looks at the java on PATH and the usual install folders.

_llmlb_java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}

_llmlb_find_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v javac || echo /nonexistent)")")")" \
                   /usr/lib/jvm/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    if [[ -n "$candidate" && -x "$candidate/bin/javac" ]] && (( $(_llmlb_java_major "$candidate/bin/java") >= 21 )); then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME="$(_llmlb_find_jdk)"; then
  echo "llmlb-node needs a JDK 21 or newer to build and run; none was found." >&2
  echo "Install one (for example: apt-get install openjdk-21-jdk) or set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
