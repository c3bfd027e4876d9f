#!/usr/bin/env bash
# The CPU engine before and after, back to back on the same weights in one session, so that the two
# numbers share the machine's load (on a shared machine, compare only numbers from one run of this).
#
#   BASELINE_JAR=/path/to/baseline/llada2.jar perf/bench-cpu.sh [MODEL_DIR]
#
# MODEL_DIR defaults to /work/bench/mini4, made (6.3 GB) with
#   ./llada2 init-random --preset mini --layers 4 --shards 4 --seed 42 --out /work/bench/mini4
# A baseline jar is cli/target/llada2.jar built from the baseline commit (e.g. a worktree of main).
# ROUNDS (default 2) alternates baseline and current that many times; BENCH_ARGS replaces the bench
# options (default: issue 9's command). Needs jq for the summary line.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
MODEL="${1:-/work/bench/mini4}"
: "${BASELINE_JAR:?set BASELINE_JAR to the llada2.jar of the baseline build}"
ROUNDS="${ROUNDS:-2}"
BENCH_ARGS="${BENCH_ARGS:---backend cpu --prompt-ids 9707 --gen-length 64 --no-eos --warmup 1 --runs 2}"
[ -d "$MODEL" ] || { echo "bench-cpu: no model at $MODEL (see the comment at the top of this script)" >&2; exit 3; }
[ -f "$BASELINE_JAR" ] || { echo "bench-cpu: BASELINE_JAR $BASELINE_JAR does not exist" >&2; exit 3; }
"$ROOT/llada2" --version >/dev/null   # builds the current jar when sources changed
CURRENT_JAR="$ROOT/cli/target/llada2.jar"
OUT="$(mktemp -d)"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
    for which in baseline current; do
        jar="$BASELINE_JAR"
        [ "$which" = current ] && jar="$CURRENT_JAR"
        # shellcheck disable=SC2086
        "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -cp "$jar" \
            dev.llada2.cli.LladaCli bench --model "$MODEL" $BENCH_ARGS --output json \
            >"$OUT/$which-$round.json" 2>"$OUT/$which-$round.err" \
            || { echo "bench-cpu: $which failed:" >&2; cat "$OUT/$which-$round.err" >&2; exit 4; }
        if command -v jq >/dev/null; then
            jq -r --arg w "$which" --arg r "$round" '.modes[0].runs[] | "\($w) round \($r): forward min \(.forward_min_ms | .*10|round/10) ms, median \(.forward_median_ms | .*10|round/10) ms, mean \(.decode_ms / .forwards | .*10|round/10) ms (\(.forwards) forwards)"' \
                "$OUT/$which-$round.json"
            jq -r '"  peak heap \(.peak_heap_bytes / 1e6 | round) MB, resident \(.peak_rss_bytes / 1e6 | round) MB"' "$OUT/$which-$round.json"
        else
            cat "$OUT/$which-$round.json"
        fi
    done
done
echo "raw JSON: $OUT"
