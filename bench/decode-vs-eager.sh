#!/usr/bin/env bash
# Batch-1 decode: hyc against the eager PyTorch reference (bench/eager_reference.py) on the same model directory,
# in one run. First a float32 check that both pick the same greedy ids, then ROUNDS alternating rounds in bf16;
# prints the medians and the ratio. Needs Debian's python3-torch (or any python3 with torch) and a Release build of hyc.
#   bench/decode-vs-eager.sh MODEL_DIR [ROUNDS] [STEPS] [THREADS]
set -euo pipefail
model=${1:?usage: bench/decode-vs-eager.sh MODEL_DIR [ROUNDS] [STEPS] [THREADS]}
rounds=${2:-5}
steps=${3:-32}
threads=${4:-1}
here=$(cd "$(dirname "$0")" && pwd)
hyc=${HYC:-$here/../cli/Hunyuan.Cli/bin/Release/net10.0/linux-x64/hyc}
py=${PYTHON:-/usr/bin/python3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

field() { "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); d=d["results"][0] if "results" in d else d; v=d[sys.argv[2]]; print(",".join(map(str,v)) if isinstance(v,list) else v)' "$1" "$2"; }

# Equal greedy ids in float32, so both run the same computation.
"$hyc" bench decode --model "$model" --dtypes float32 --steps 8 --warmup 0 --threads "$threads" --json 2>/dev/null | tail -1 > "$out/check-hyc.json"
prompt=$(field "$out/check-hyc.json" prompt_ids)
"$py" "$here/eager_reference.py" --model "$model" --dtype float32 --prompt-ids "$prompt" --steps 8 --warmup 0 --threads "$threads" > "$out/check-eager.json"
hyc_ids=$(field "$out/check-hyc.json" generated_ids | cut -d, -f1-9)
eager_ids=$(field "$out/check-eager.json" generated_ids | cut -d, -f1-9)
echo "greedy ids (float32) hyc:   $hyc_ids"
echo "greedy ids (float32) eager: $eager_ids"
if [ "$hyc_ids" != "$eager_ids" ]; then echo "MISMATCH: the two implementations disagree" >&2; exit 1; fi

for r in $(seq 1 "$rounds"); do
  "$hyc" bench decode --model "$model" --dtypes bfloat16 --steps "$steps" --threads "$threads" --json 2>/dev/null | tail -1 > "$out/hyc-$r.json"
  "$py" "$here/eager_reference.py" --model "$model" --dtype bfloat16 --prompt-ids "$prompt" --steps "$steps" --threads "$threads" > "$out/eager-$r.json"
  echo "round $r: hyc $(field "$out/hyc-$r.json" tokens_per_s) tokens/s ($(field "$out/hyc-$r.json" host_us_per_layer_step) us/layer, $(field "$out/hyc-$r.json" ops_per_layer_step) ops/layer); eager $(field "$out/eager-$r.json" tokens_per_s) tokens/s ($(field "$out/eager-$r.json" host_us_per_layer_step) us/layer)"
done

"$py" - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
hyc = [json.load(open(f"{out}/hyc-{r}.json"))["results"][0] for r in range(1, rounds + 1)]
eager = [json.load(open(f"{out}/eager-{r}.json")) for r in range(1, rounds + 1)]
med = lambda rows, k: statistics.median(x[k] for x in rows)
summary = {
    "rounds": rounds,
    "hyc_tokens_per_s": med(hyc, "tokens_per_s"), "eager_tokens_per_s": med(eager, "tokens_per_s"),
    "hyc_host_us_per_layer_step": med(hyc, "host_us_per_layer_step"), "eager_host_us_per_layer_step": med(eager, "host_us_per_layer_step"),
    "hyc_ops_per_layer_step": med(hyc, "ops_per_layer_step"),
    "ratio_of_round_ratios": round(statistics.median(h["tokens_per_s"] / e["tokens_per_s"] for h, e in zip(hyc, eager)), 2),
}
print(json.dumps(summary))
PY
