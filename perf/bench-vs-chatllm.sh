#!/usr/bin/env bash
# This engine and chatllm.cpp on the same weights, interleaved in one session so that both share the
# machine's load (issue 9's side-by-side). chatllm.cpp is not part of this repository: build it
# yourself (github.com/foldl/chatllm.cpp, `cmake -B build && cmake --build build -j`, GGML_NATIVE on
# by default) and convert the same checkpoint with its convert.py.
#
#   CHATLLM=/path/to/chatllm.cpp/build/bin/main \
#   PAIRS="bf16=/work/bench/mini4:/work/bench/chatllm-mini4-bf16.bin q8_0=/work/bench/mini4-q8_0.gguf:/work/bench/chatllm-mini4-q8_0.bin" \
#   ROUNDS=2 perf/bench-vs-chatllm.sh
#
# Each PAIRS entry is LABEL=OUR_MODEL:CHATLLM_MODEL. What is compared is the mean time of one
# denoising forward of a 32-token block with the KV cache, both engines on all cores:
#  - ours: `llada2 bench` with issue 9's command (95 forwards), mean = decode time / forwards;
#  - chatllm.cpp prints only per-run timings, so it runs twice, with --max_new_tokens 32 and 96, and
#    one forward costs (eval time at 96 - eval time at 32) / 64. Both runs share the prompt's first,
#    partly filled block; the difference is two whole 32-token blocks. With random weights no token
#    ever reaches the 0.95 confidence threshold, so every step commits one token and a block takes
#    32 forwards (chatllm.cpp's defaults: block length 32, 32 steps, threshold 0.95). On a trained
#    checkpoint that no longer holds and the method does not apply.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
ROUNDS="${ROUNDS:-2}"
: "${CHATLLM:?set CHATLLM to the chatllm.cpp binary build/bin/main (see the top of this script)}"
: "${PAIRS:?set PAIRS to LABEL=OUR_MODEL:CHATLLM_MODEL entries (see the top of this script)}"
[ -x "$CHATLLM" ] || { echo "bench-vs-chatllm: CHATLLM $CHATLLM is not an executable" >&2; exit 3; }
command -v jq >/dev/null || { echo "bench-vs-chatllm: needs jq" >&2; exit 3; }
for pair in $PAIRS; do
    spec="${pair#*=}"
    for f in "${spec%%:*}" "${spec#*:}"; do
        [ -e "$f" ] || { echo "bench-vs-chatllm: no model at $f (entry $pair)" >&2; exit 3; }
    done
done
"$ROOT/llada2" --version >/dev/null   # builds the current jar when sources changed
JAR="$ROOT/cli/target/llada2.jar"
THREADS="$(nproc)"
OUT="$(mktemp -d)"

# chatllm.cpp's "eval time = X ms" for one run generating $2 tokens with model $1.
chatllm_eval_ms() {
    local log="$OUT/chatllm-$3-$2.log"
    "$CHATLLM" -m "$1" -p "Hello" -n "$THREADS" --max_new_tokens "$2" >"$log" 2>&1 \
        || { echo "bench-vs-chatllm: chatllm.cpp failed on $1:" >&2; tail -5 "$log" >&2; exit 4; }
    sed -n 's/^timings: *eval time = *\([0-9.]*\) ms.*/\1/p' "$log" | head -1
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $THREADS CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
    for pair in $PAIRS; do
        label="${pair%%=*}" spec="${pair#*=}"
        ours="${spec%%:*}" theirs="${spec#*:}"
        "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -cp "$JAR" \
            dev.llada2.cli.LladaCli bench --model "$ours" --backend cpu --prompt-ids 9707 --gen-length 64 \
            --no-eos --warmup 1 --runs 1 --output json >"$OUT/ours-$label-$round.json" 2>"$OUT/ours-$label-$round.err" \
            || { echo "bench-vs-chatllm: llada2 bench failed:" >&2; cat "$OUT/ours-$label-$round.err" >&2; exit 4; }
        ours_ms=$(jq -r '.modes[0].runs[0] | .decode_ms / .forwards | .*10|round/10' "$OUT/ours-$label-$round.json")
        short=$(chatllm_eval_ms "$theirs" 32 "$label-$round")
        long=$(chatllm_eval_ms "$theirs" 96 "$label-$round")
        theirs_ms=$(echo "scale=1; ($long - $short) / 64" | bc)
        ratio=$(echo "scale=2; $ours_ms / $theirs_ms" | bc)
        echo "$label round $round: llada2 $ours_ms ms/forward, chatllm.cpp $theirs_ms ms/forward," \
            "eval $short ms at 32 tokens and $long ms at 96; ratio $ratio"
        echo "  load: $(cut -d' ' -f1-3 /proc/loadavg)"
    done
done
echo "logs and JSON: $OUT"
