#!/usr/bin/env bash
# The CPU engine measured back to back in one session, so that the numbers share the machine's load
# (on a shared machine, compare only numbers from one run of this). Two modes:
#
#   BASELINE_JAR=/path/to/baseline/llada2.jar perf/bench-cpu.sh [MODEL]
#       a baseline build against the current one on the same weights;
#   MODELS="bf16=/work/bench/mini4 q8_0=/work/bench/mini4-q8_0.gguf q4_k_m=/work/bench/mini4-q4_k_m.gguf" perf/bench-cpu.sh
#       the current build on several weight files (e.g. one model in each format), interleaved; an
#       entry LABEL=MODEL@JAR runs that model with another build's jar (a baseline) instead.
#
# MODEL defaults to /work/bench/mini4, made (6.3 GB) with
#   ./llada2 init-random --preset mini --layers 4 --shards 4 --seed 42 --out /work/bench/mini4
# and quantized with ./llada2 quantize --model /work/bench/mini4 --type q8_0|q4_k_m --out FILE.gguf.
# A baseline jar is cli/target/llada2.jar built from the baseline commit (e.g. a worktree of main).
# ROUNDS (default 2) repeats the interleaved sequence that many times; BENCH_ARGS replaces the bench
# options (default: issue 9's command). Besides the bench's own peak heap and resident size, the
# script samples the process's /proc status every 0.5 s for the peak of RssFile (the memory-mapped
# weights resident) and RssAnon (heap and other anonymous memory). Needs jq for the summary lines.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
ROUNDS="${ROUNDS:-2}"
BENCH_ARGS="${BENCH_ARGS:---backend cpu --prompt-ids 9707 --gen-length 64 --no-eos --warmup 1 --runs 2}"
"$ROOT/llada2" --version >/dev/null   # builds the current jar when sources changed
CURRENT_JAR="$ROOT/cli/target/llada2.jar"

# entries: "label jar model"
ENTRIES=()
if [ -n "${MODELS:-}" ]; then
    for pair in $MODELS; do
        spec="${pair#*=}"
        if [[ "$spec" == *@* ]]; then
            ENTRIES+=("${pair%%=*} ${spec#*@} ${spec%@*}")
        else
            ENTRIES+=("${pair%%=*} $CURRENT_JAR $spec")
        fi
    done
else
    MODEL="${1:-/work/bench/mini4}"
    : "${BASELINE_JAR:?set BASELINE_JAR to the llada2.jar of the baseline build, or MODELS (see the top of this script)}"
    [ -f "$BASELINE_JAR" ] || { echo "bench-cpu: BASELINE_JAR $BASELINE_JAR does not exist" >&2; exit 3; }
    ENTRIES=("baseline $BASELINE_JAR $MODEL" "current $CURRENT_JAR $MODEL")
fi
for entry in "${ENTRIES[@]}"; do
    read -r _ jar model <<<"$entry"
    [ -f "$jar" ] || { echo "bench-cpu: no jar at $jar" >&2; exit 3; }
    [ -e "$model" ] || { echo "bench-cpu: no model at $model (see the comment at the top of this script)" >&2; exit 3; }
done

# Peak of one /proc/PID/status field (kB) while PID runs, written to FILE when it ends.
sample_peak() {
    local pid="$1" out="$2" file anon peak_file=0 peak_anon=0
    while kill -0 "$pid" 2>/dev/null; do
        file=$(sed -n 's/^RssFile:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
        anon=$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$file" ] && [ "$file" -gt "$peak_file" ] && peak_file=$file
        [ -n "$anon" ] && [ "$anon" -gt "$peak_anon" ] && peak_anon=$anon
        sleep 0.5
    done
    echo "$peak_file $peak_anon" >"$out"
}

OUT="$(mktemp -d)"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
    for entry in "${ENTRIES[@]}"; do
        read -r which jar model <<<"$entry"
        # shellcheck disable=SC2086
        "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -cp "$jar" \
            dev.llada2.cli.LladaCli bench --model "$model" $BENCH_ARGS --output json \
            >"$OUT/$which-$round.json" 2>"$OUT/$which-$round.err" &
        pid=$!
        sample_peak "$pid" "$OUT/$which-$round.rss"
        wait "$pid" || { echo "bench-cpu: $which failed:" >&2; cat "$OUT/$which-$round.err" >&2; exit 4; }
        read -r rss_file rss_anon <"$OUT/$which-$round.rss"
        if command -v jq >/dev/null; then
            jq -r --arg w "$which" --arg r "$round" '.modes[0].runs[] | "\($w) round \($r): forward min \(.forward_min_ms | .*10|round/10) ms, median \(.forward_median_ms | .*10|round/10) ms, mean \(.decode_ms / .forwards | .*10|round/10) ms (\(.forwards) forwards)"' \
                "$OUT/$which-$round.json"
            jq -r --arg f "$((rss_file / 1000))" --arg a "$((rss_anon / 1000))" \
                '"  peak heap \(.peak_heap_bytes / 1e6 | round) MB, resident \(.peak_rss_bytes / 1e6 | round) MB (peak mapped-file resident \($f) MB, anonymous \($a) MB)"' "$OUT/$which-$round.json"
        else
            cat "$OUT/$which-$round.json"
            echo "  peak mapped-file resident $((rss_file / 1000)) MB, anonymous $((rss_anon / 1000)) MB"
        fi
        echo "  load: $(cut -d' ' -f1-3 /proc/loadavg)"
    done
done
echo "raw JSON: $OUT"
