# Sourced by ./llada2, ./run-tests and .ci/run: finds a Java 25 and (optionally) a TornadoVM SDK.
# Sets JAVA_HOME, JAVA, and, when an SDK is found, TORNADOVM_HOME and LLADA2_MVN_TORNADO.

llada2_find_java() {
    local candidate
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*-25-* /opt/java/*25*; do
        [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
        if "$candidate/bin/java" -version 2>&1 | grep -Eq 'version "25'; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! JAVA_HOME="$(llada2_find_java)"; then
    echo "llada2: Java 25 not found. Set JAVA_HOME to a JDK 25 (e.g. Temurin 25) or install one under /usr/lib/jvm." >&2
    return 1 2>/dev/null || exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
JAVA="$JAVA_HOME/bin/java"

# TornadoVM: TORNADOVM_HOME (or its older name TORNADO_SDK), else the documented install location
# /opt/tornadovm. An SDK is a folder with tornado-argfile and share/java/tornado/*.jar.
llada2_find_tornado() {
    local candidate
    for candidate in "${TORNADOVM_HOME:-}" "${TORNADO_SDK:-}" /opt/tornadovm; do
        [ -n "$candidate" ] && [ -f "$candidate/tornado-argfile" ] && [ -d "$candidate/share/java/tornado" ] || continue
        (cd "$candidate" && pwd -P)
        return 0
    done
    return 1
}

if [ "${LLADA2_NO_TORNADO:-}" != "1" ] && TORNADOVM_HOME="$(llada2_find_tornado)"; then
    export TORNADOVM_HOME
    export TORNADO_SDK="$TORNADOVM_HOME"
    TORNADO_API_JAR="$(ls "$TORNADOVM_HOME"/share/java/tornado/tornado-api-*.jar 2>/dev/null | head -n 1)"
    if [ -z "$TORNADO_API_JAR" ]; then
        echo "llada2: $TORNADOVM_HOME looks like a TornadoVM SDK but has no share/java/tornado/tornado-api-*.jar" >&2
        return 1 2>/dev/null || exit 1
    fi
    LLADA2_MVN_TORNADO="-Dtornado.sdk=$TORNADOVM_HOME -Dtornado.api.jar=$TORNADO_API_JAR"
else
    unset TORNADOVM_HOME
    LLADA2_MVN_TORNADO=""
fi
