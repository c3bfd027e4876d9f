#!/usr/bin/env bash
# bin/llada2 of a bundle (see scripts/bundle): runs the CLI with the bundle's own Java runtime and
# TornadoVM SDK, wherever the bundle was unpacked; needs nothing installed (no Java, no TORNADOVM_HOME).
# Extra JVM options: LLADA2_JAVA_OPTS (e.g. -Xmx16g, -Dtornado.device.memory=40GB).
set -euo pipefail
BUNDLE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# TornadoVM reads its SDK folder from the environment (settings, code cache); the bundle's is the one.
export TORNADOVM_HOME="$BUNDLE/tornado"
export TORNADO_SDK="$TORNADOVM_HOME"
. "$BUNDLE/lib/jvm-args.sh"
llada2_jvm_args "$TORNADOVM_HOME" "$BUNDLE/runtime"
# shellcheck disable=SC2086
exec "$BUNDLE/runtime/bin/java" "${JVM_ARGS[@]}" ${LLADA2_JAVA_OPTS:-} -cp "$BUNDLE/lib/llada2.jar" \
    dev.llada2.cli.LladaCli "$@"
