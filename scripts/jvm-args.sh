# Sourced by ./llada2 and by a bundle's bin/llada2: the JVM arguments of the llada2 CLI, so that both
# launchers start the engine the same way. Call llada2_jvm_args [SDK JAVA_HOME] after setting nothing
# else; it fills the array JVM_ARGS. With a TornadoVM SDK folder it adds TornadoVM's arguments, read from the
# SDK's tornado-argfile.template (its ${TORNADOVM_HOME} placeholders become SDK, so a relocated SDK
# works) or, without a template, from its tornado-argfile.

# TornadoVM's argument file as words: comments and blank lines dropped, ${TORNADOVM_HOME} replaced
# per word (a folder name with spaces stays one word). Its lines hold no quoted arguments.
llada2_tornado_args() {
    local sdk="$1" file line word
    local -
    set -f
    file="$sdk/tornado-argfile.template"
    [ -f "$file" ] || file="$sdk/tornado-argfile"
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line%%#*}"
        for word in $line; do
            JVM_ARGS+=("${word//\$\{TORNADOVM_HOME\}/$sdk}")
        done
    done < "$file"
}

# Bytes of the largest device memory this machine has: the NVIDIA GPUs' (nvidia-smi) and the host's
# RAM (what CPU OpenCL devices such as PoCL report). Empty when neither can be read.
llada2_largest_device_memory() {
    local host_kb gpu_mib best=0
    host_kb="$(awk '/MemTotal/ {print $2}' /proc/meminfo 2>/dev/null || true)"
    [ -n "$host_kb" ] && best=$((host_kb * 1024))
    if command -v nvidia-smi >/dev/null 2>&1; then
        for gpu_mib in $(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits 2>/dev/null); do
            [[ "$gpu_mib" =~ ^[0-9]+$ ]] && [ $((gpu_mib * 1048576)) -gt "$best" ] && best=$((gpu_mib * 1048576))
        done
    fi
    [ "$best" -gt 0 ] && echo "$best"
}

# With TornadoVM, the JVM must start with Java's signal-chaining library preloaded. OpenCL drivers built
# on LLVM (PoCL; also other vendors' compilers) install LLVM's crash handlers for SIGSEGV and SIGBUS with
# SA_RESETHAND while they compile a kernel. The JVM raises SIGSEGV on purpose (safepoint polls, implicit
# null checks): the first such signal resets the handler to the default, and a second thread that meets
# one before LLVM has put the JVM's handler back kills the process ("Segmentation fault", no hs_err
# file). Seen in about one JVM start in four on PoCL (a core dump showed LLVM's handler on the faulting
# thread). libjsig keeps the JVM's handler installed and chains LLVM's behind it.
llada2_signal_chaining() {
    local java_home="$1" jsig="$1/lib/libjsig.so"
    if [ ! -f "$jsig" ]; then
        echo "llada2: $jsig is missing: an OpenCL driver built on LLVM may crash this JVM (see scripts/jvm-args.sh)" >&2
        return 0
    fi
    case " ${LD_PRELOAD:-} " in
        *" $jsig "*) ;;
        *) export LD_PRELOAD="$jsig${LD_PRELOAD:+ $LD_PRELOAD}" ;;
    esac
}

# llada2_jvm_args [SDK JAVA_HOME]: with an SDK, also preloads JAVA_HOME's libjsig (above).
llada2_jvm_args() {
    local sdk="${1:-}" mem_kb device_bytes
    JVM_ARGS=()
    if [ -n "$sdk" ]; then
        llada2_signal_chaining "$2"
        llada2_tornado_args "$sdk"
        # The argfile's module path begins with "."; naming the SDK's module path again keeps a stray
        # jar in the working directory from breaking start-up.
        JVM_ARGS+=(--module-path "$sdk/share/java/tornado")
        # TornadoVM stages the weights in off-heap arrays before uploading them: allow up to the host's RAM
        # (the JVM's default is the heap size).
        mem_kb="$(awk '/MemTotal/ {print $2}' /proc/meminfo 2>/dev/null || true)"
        [ -n "$mem_kb" ] && JVM_ARGS+=("-XX:MaxDirectMemorySize=${mem_kb}k")
        # TornadoVM caps what it allocates on any device at -Dtornado.device.memory, read once at JVM
        # start (default 4GB: too little for mini's 34 GB of weights). The engine's own budget is
        # min(device global memory, cap), so the cap is set to the largest device memory here.
        device_bytes="$(llada2_largest_device_memory || true)"
        [ -n "$device_bytes" ] && JVM_ARGS+=("-Dtornado.device.memory=$((device_bytes >> 20))MB")
    fi
    JVM_ARGS+=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m)
}
