#!/usr/bin/env bash
# The GPU path, checked in one go on a machine with an NVIDIA GPU (H200-class: under 10 minutes on one GPU).
# Nothing of it has run on a GPU yet: this script is how it first will.
#
# Needs (the script stops with this list when any is missing):
#   - an NVIDIA GPU and its CUDA driver (nvidia-smi works);
#   - a libtorch 2.10.0 built with CUDA (12.8), named by HYC_LIBTORCH_DIR: a libtorch zip's root (lib/libtorch_cuda.so,
#     build-version) or a pip torch==2.10.0 tree (site-packages/torch: lib/libtorch_cuda.so, version.py).
#     TorchSharp 0.107 is built for libtorch 2.10 exactly; a different version fails with undefined symbols or worse.
#     A hyc whose LibTorchSharp was recompiled against another torch (libLibTorchSharp.torch-version beside HYC_DLL)
#     needs that torch instead. The device machine this project may borrow has PyTorch 2.11 + CUDA 13, no .NET and no
#     network: bench/gpu-bundle.sh (here) and bench/gpu-on-device.sh (there) bring .NET and hyc, recompile
#     LibTorchSharp against its torch and run this script.
#   - .NET 10: the SDK (the script builds hyc in Release), or the runtime plus a published hyc named by HYC_DLL
#     (dotnet publish cli/Hunyuan.Cli -c Release -o OUT on a build machine; OUT/hyc.dll);
#   - python3 (standard library only: reads safetensors and compares logits);
#   - for the TP2-over-NCCL and PP2-over-NCCL-stage-link checks, two GPUs and libnccl.so.2 (pip nvidia-nccl-cu12,
#     libnccl2, or the image; or HYC_NCCL_LIBRARY=/path/libnccl.so.2). With one GPU or no NCCL those checks are
#     skipped and say so.
#
# Usage: bench/gpu-check.sh [OUT_DIR]   (default ./gpu-check-out). Figures go to OUT_DIR/gpu-check.txt.
# Knobs: SLICE_LAYERS (4), SLICE_EXPERTS (2), DECODE_TOKENS (64), GPU_BANDWIDTH_TBS (else from the GPU's name),
# HYC_TP2_ARGS, HYC_FIXTURES (../shared/fixtures), EAGER_PYTHON (python3: the one with torch, for the eager reference).
# GPU_CHECK_DEVICE=cpu is a dry run without a GPU: every command of the check, with its flags and the parsing of its
# output, on the CPU (a narrow slice instead of the real-width one; no GPU, CUDA libtorch or HYC_LIBTORCH_DIR needed;
# without HYC_DLL it builds the default CPU flavour). It proves the script, not the GPU: run it before spending a GPU's
# minutes on a changed check.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
out="${1:-./gpu-check-out}"
mkdir -p "$out" || exit 2
out="$(cd "$out" && pwd)"
report="$out/gpu-check.txt"
: > "$report"
say() { echo "$*" | tee -a "$report"; }
dev="${GPU_CHECK_DEVICE:-cuda:0}"
case "$dev" in cuda:0) dry=0;; cpu) dry=1;; *) echo "GPU_CHECK_DEVICE is cuda:0 (the check) or cpu (a dry run), not '$dev'" >&2; exit 2;; esac

# ---- what is needed, checked before anything runs -------------------------------------------------------------
missing=()
if (( dry )); then
  : # a dry run needs no GPU, and runs on whatever libtorch the hyc it is given loads
elif ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  missing+=("an NVIDIA GPU with its CUDA driver (nvidia-smi -L fails or is absent)")
fi
libtorch_lib=""
want_minor=2.10
lts_marker="$(dirname "${HYC_DLL:-/nonexistent/hyc.dll}")/libLibTorchSharp.torch-version"
[[ -f "$lts_marker" ]] && want_minor=$(sed -n '1s/^\([0-9]*\.[0-9]*\).*/\1/p' "$lts_marker")
if (( dry )); then
  :
elif [[ -z "${HYC_LIBTORCH_DIR:-}" ]]; then
  missing+=("HYC_LIBTORCH_DIR: a libtorch $want_minor.x with CUDA (libtorch zip root or pip torch site-packages/torch)")
else
  libtorch_lib="$HYC_LIBTORCH_DIR/lib"
  version=""
  [[ -f "$HYC_LIBTORCH_DIR/build-version" ]] && version=$(cat "$HYC_LIBTORCH_DIR/build-version")
  [[ -f "$HYC_LIBTORCH_DIR/version.py" ]] && version=$(sed -n "s/^__version__ = '\(.*\)'/\1/p" "$HYC_LIBTORCH_DIR/version.py")
  if [[ ! -f "$libtorch_lib/libtorch_cuda.so" ]]; then
    missing+=("HYC_LIBTORCH_DIR=$HYC_LIBTORCH_DIR has no lib/libtorch_cuda.so (a CPU-only libtorch?)")
  elif [[ "$version" != "$want_minor".* ]]; then
    missing+=("HYC_LIBTORCH_DIR=$HYC_LIBTORCH_DIR is libtorch '${version:-unknown}', this hyc's LibTorchSharp needs $want_minor.x")
  fi
fi
dotnet_bin="${DOTNET:-dotnet}"
hyc_dll="${HYC_DLL:-}"
if ! command -v "$dotnet_bin" >/dev/null 2>&1; then
  missing+=(".NET 10 (dotnet not found; set DOTNET=/path/to/dotnet)")
elif [[ -z "$hyc_dll" ]] && ! "$dotnet_bin" --list-sdks 2>/dev/null | grep -q '^10\.'; then
  missing+=(".NET 10 SDK to build hyc, or HYC_DLL=/path/to/published/hyc.dll with the .NET 10 runtime")
elif ! "$dotnet_bin" --list-runtimes 2>/dev/null | grep -q 'Microsoft.NETCore.App 10\.'; then
  missing+=(".NET 10 runtime (Microsoft.NETCore.App 10.x)")
fi
command -v python3 >/dev/null 2>&1 || missing+=("python3 (standard library only)")
if (( ${#missing[@]} )); then
  {
    echo "gpu-check: cannot run; missing:"
    for m in "${missing[@]}"; do echo "  - $m"; done
    echo "(see the top of bench/gpu-check.sh for what each is and where it comes from)"
  } | tee -a "$report" >&2
  exit 3
fi

if [[ -n "$libtorch_lib" ]]; then
  export LD_LIBRARY_PATH="$libtorch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export HYC_LIBTORCH_DIR
fi
if [[ -z "$hyc_dll" ]] && (( dry )); then
  say "building hyc (Release, the default CPU flavour) for a dry run"
  timeout 300 "$dotnet_bin" build cli/Hunyuan.Cli -c Release -v q -nologo >"$out/build.log" 2>&1 || { say "FAIL build (see $out/build.log)"; exit 4; }
  hyc_dll="$PWD/cli/Hunyuan.Cli/bin/Release/net10.0/linux-x64/hyc.dll"
elif [[ -z "$hyc_dll" ]]; then
  # The external flavour: no libtorch of its own, so the CUDA libtorch of HYC_LIBTORCH_DIR is the one loaded.
  say "building hyc (Release, TorchBackend=external)"
  timeout 300 "$dotnet_bin" build cli/Hunyuan.Cli -c Release -p:TorchBackend=external -v q -nologo >"$out/build.log" 2>&1 || { say "FAIL build (see $out/build.log)"; exit 4; }
  hyc_dll="$PWD/cli/Hunyuan.Cli/bin/external/Release/net10.0/linux-x64/hyc.dll"
fi
hyc() { timeout "${HYC_STEP_TIMEOUT:-240}" "$dotnet_bin" "$hyc_dll" "$@"; }
fixtures="${HYC_FIXTURES:-$PWD/../shared/fixtures}"
if (( dry )); then
  gpu_name="none (dry run on the CPU)"
  gpus=1
else
  gpu_name=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
  gpus=$(nvidia-smi -L | wc -l)
fi
say "gpu: $gpu_name x $gpus; device: $dev; libtorch: ${HYC_LIBTORCH_DIR:-bundled}; hyc: $hyc_dll"
failures=0

# ---- 1. golden fixtures on cuda:0 against the reference logits (float32, 1e-3) ----------------------------------
compare() { # compare GOT.safetensors EXPECTED.safetensors TOLERANCE -> prints max |diff|, exit 1 above tolerance
  python3 - "$@" <<'PY'
import json, struct, sys
def read(path, name):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        meta = header[name]
        start, end = meta['data_offsets']
        f.seek(8 + n + start)
        raw = f.read(end - start)
    code = {'F32': 'f', 'I64': 'q'}[meta['dtype']]
    return list(struct.unpack('<%d%s' % (len(raw) // struct.calcsize(code), code), raw))
got, want = read(sys.argv[1], 'logits'), read(sys.argv[2], 'logits')
if len(got) != len(want):
    print('shape mismatch %d vs %d' % (len(got), len(want))); sys.exit(1)
worst = max(abs(a - b) for a, b in zip(got, want))
print('%.3g' % worst); sys.exit(0 if worst <= float(sys.argv[3]) else 1)
PY
}
ids_of() { python3 bench/fixture_input_ids.py "$1"; }
for fx in tiny-moe tiny-moe-bf16-sharded tiny-moe-fp8; do
  dir="$fixtures/$fx"
  [[ -d "$dir" ]] || { say "SKIP fixture $fx (not in $fixtures)"; continue; }
  extra=(); [[ "$fx" == tiny-moe-fp8 ]] && extra=(--variant fp8 --fp8-exact)
  if hyc model run "$dir" --device "$dev" --dtype float32 --ids "$(ids_of "$dir/expected.safetensors")" --generate 0 \
       --logits-out "$out/$fx.logits.safetensors" "${extra[@]}" >"$out/$fx.log" 2>&1 \
     && diff=$(compare "$out/$fx.logits.safetensors" "$dir/expected.safetensors" 1e-3); then
    say "PASS fixture $fx on $dev: max |logit diff| $diff (<= 1e-3)"
  else
    say "FAIL fixture $fx on $dev: ${diff:-hyc failed, see $out/$fx.log}"; failures=$((failures + 1))
  fi
  unset diff
done

# ---- 2b. host time per layer on a deep, narrow model (GPU issue, item 4) --------------------------------------------
# Before the real-width slice, whose random weights take minutes to write: a run cut short keeps this figure.
# Almost no arithmetic, so a decode step costs what issuing its kernels costs. Targets: at most 100 us per layer per
# token, and at least 4x the tokens/s of eager PyTorch (bench/eager_reference.py, this machine's python3 torch) on the
# same weights, measured in this run. Also shows which RMSNorm ran: "fused" means libtorch_cuda's
# aoti_torch_cuda__fused_rms_norm was found (one kernel per norm instead of about eight).
deep="$out/deep"
rm -rf "$deep"
if hyc model init-tiny "$deep" --layers 32 --hidden 64 --heads 4 --kv-heads 1 --experts 16 --intermediate 64 --vocab 512 \
     >"$out/deep-init.log" 2>&1 \
   && hyc bench decode --model "$deep" --device "$dev" --dtypes bfloat16 --steps 64 --json >"$out/deep-hyc.json" 2>"$out/deep-hyc.log"; then
  eager_py="${EAGER_PYTHON:-python3}"
  if "$eager_py" -c 'import sys, torch; sys.exit(0 if sys.argv[1] == "cpu" or torch.cuda.is_available() else 1)' "$dev" 2>/dev/null; then
    prompt=$(python3 -c 'import json,sys; print(",".join(map(str, json.load(open(sys.argv[1]))["results"][0]["prompt_ids"])))' "$out/deep-hyc.json")
    "$eager_py" bench/eager_reference.py --model "$deep" --device "$dev" --dtype bfloat16 --prompt-ids "$prompt" --steps 64 \
      >"$out/deep-eager.json" 2>"$out/deep-eager.log" || rm -f "$out/deep-eager.json"
  fi
  python3 - "$out/deep-hyc.json" "$out/deep-eager.json" "$dev" <<'PY' | tee -a "$report"
import json, os, sys
h = json.load(open(sys.argv[1]))["results"][0]
line = "deep narrow model on " + sys.argv[3] + ": hyc %.1f us/layer, %.1f ops/layer, %s RMSNorm, %.1f tokens/s" % (
    h["host_us_per_layer_step"], h["ops_per_layer_step"], h["rms_norm_kernel"], h["tokens_per_s"])
ok = h["host_us_per_layer_step"] <= 100
if os.path.exists(sys.argv[2]):
    e = json.load(open(sys.argv[2]))
    ratio = h["tokens_per_s"] / e["tokens_per_s"]
    line += "; eager PyTorch %s %.1f us/layer, %.1f tokens/s; %.2fx eager" % (e["torch"], e["host_us_per_layer_step"], e["tokens_per_s"], ratio)
    ok = ok and ratio >= 4
else:
    line += "; eager reference not run (EAGER_PYTHON, default python3, with a torch for the device needed)"
print(("PASS " if ok else "FAIL (targets: <= 100 us/layer, >= 4x eager) ") + line)
sys.exit(0 if ok else 1)
PY
  (( PIPESTATUS[0] == 0 )) || failures=$((failures + 1))
  # What each launch of a layer's step costs on this GPU, timed alone: the floor under the figure above.
  if hyc bench ops --model "$deep" --device "$dev" --json >"$out/deep-ops.json" 2>"$out/deep-ops.log"; then
    say "deep narrow model, each op alone on $dev: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%d calls per layer, floor %.1f us per layer, %.1f with the cheaper arrangement of each (%s RMSNorm, experts %s)" % (d["calls_per_layer"], d["floor_us_per_layer"], d["lowest_floor_us_per_layer"], d["rms_norm_kernel"], d["expert_dispatch"]))' "$out/deep-ops.json")"
  else
    say "FAIL hyc bench ops on $dev (see $out/deep-ops.log)"; failures=$((failures + 1))
  fi
else
  say "FAIL deep narrow model decode on $dev (see $out/deep-init.log, $out/deep-hyc.log)"; failures=$((failures + 1))
fi
rm -rf "$deep"

# ---- 2. batch-1 decode on a real-width slice against the HBM roofline -------------------------------------------
layers="${SLICE_LAYERS:-4}"
slice="$out/slice"
rm -rf "$slice"
# Two routed experts instead of 16: batch-1 decode reads the chosen one and the shared one either way, and 16 would
# write about 48 GB of random weights to a 64 GB disk first.
# A dry run's slice is narrow (hidden 640, heads 8/2 of 80, intermediate 1024, vocab 4096): the commands, not the size.
if (( dry )); then slice_dims=(--hidden 640 --heads 8 --kv-heads 2 --intermediate 1024 --vocab 4096)
else slice_dims=(--hidden 6400 --heads 80 --kv-heads 8 --intermediate 18304 --vocab 129024); fi
if hyc model init-tiny "$slice" "${slice_dims[@]}" --experts "${SLICE_EXPERTS:-2}" --topk 1 --shared-experts 1 \
     --layers "$layers" --cla-factor 2 --dtype bf16 --seed 1 >"$out/init-tiny.log" 2>&1 \
   && hyc model run "$slice" --device "$dev" --dtype bfloat16 --ids 1,2,3,4,5,6,7,8 --generate "${DECODE_TOKENS:-64}" --json \
        >"$out/slice-run.json" 2>"$out/slice-run.log"; then
  bw_tbs="${GPU_BANDWIDTH_TBS:-$(case "$gpu_name" in *H200*) echo 4.8;; *H100*PCIe*) echo 2.0;; *H100*) echo 3.35;; *H20*) echo 4.0;;
    *A100*) echo 2.0;; *L40S*) echo 0.864;; *) echo 0;; esac)}"
  python3 - "$slice/config.json" "$out/slice-run.json" "$bw_tbs" <<'PY' | tee -a "$report"
import json, sys
c = json.load(open(sys.argv[1])); run = json.load(open(sys.argv[2])); bw = float(sys.argv[3]) * 1e12
h, L, nh, kv = c['hidden_size'], c['num_hidden_layers'], c['num_attention_heads'], c['num_key_value_heads']
d = h // nh; inter = c['intermediate_size']; k = c.get('moe_topk', 1); shared = c.get('num_shared_expert', 1)
cla = c.get('cla_share_factor', 1) if c.get('use_cla', False) else 1
self_layers = (L + cla - 1) // cla
# Weights read per token at batch 1 (bf16): q and o everywhere, k and v on self layers, shared + top-k experts, lm_head.
params = L * 2 * h * nh * d + self_layers * 2 * h * kv * d + L * (shared + k) * 3 * h * inter + c['vocab_size'] * h
bytes_per_token = params * 2
tps = run['decode_tokens_per_s']
achieved = bytes_per_token * tps
print('slice: %d layers, %.2f GB read per token (bf16, batch 1)' % (L, bytes_per_token / 1e9))
print('decode: %.1f tokens/s = %.3f ms/token; weights streamed at %.0f GB/s' % (tps, 1e3 / tps, achieved / 1e9))
if bw > 0:
    print('roofline: %.3f ms/token at %.2f TB/s; achieved %.0f%% of the HBM bandwidth' % (bytes_per_token / bw * 1e3, bw / 1e12, 100 * achieved / bw))
else:
    print('roofline: unknown GPU, set GPU_BANDWIDTH_TBS to compare')
PY
else
  say "FAIL real-width slice decode (see $out/init-tiny.log, $out/slice-run.log)"; failures=$((failures + 1))
fi
rm -rf "$slice"

# ---- 3. TP2 over NCCL against TP1 --------------------------------------------------------------------------------
nccl_found=""
if [[ -n "${HYC_NCCL_LIBRARY:-}" && -f "${HYC_NCCL_LIBRARY}" ]]; then nccl_found="$HYC_NCCL_LIBRARY"
elif ldconfig -p 2>/dev/null | grep -q 'libnccl.so.2'; then nccl_found="libnccl.so.2 (ldconfig)"
else
  # pip's nvidia-nccl-cu12 and -cu13 wheels, beside a pip torch.
  for p in "${HYC_LIBTORCH_DIR:-/nonexistent}"/../nvidia/nccl/lib/libnccl.so.2 "${HYC_LIBTORCH_DIR:-/nonexistent}"/../nvidia/cu*/lib/libnccl.so.2; do
    [[ -f "$p" ]] && nccl_found="$p" && export HYC_NCCL_LIBRARY="$p" && break
  done
fi
if (( gpus < 2 )); then
  say "SKIP TP2 over NCCL: one GPU"
elif [[ -z "$nccl_found" ]]; then
  say "SKIP TP2 over NCCL: libnccl.so.2 not found (pip nvidia-nccl-cu12, libnccl2, or HYC_NCCL_LIBRARY)"
else
  dir="$fixtures/tiny-moe"
  ids="$(ids_of "$dir/expected.safetensors")"
  # Ranks on cuda:0 and cuda:1; the flag spelling follows `hyc model run --device` (HYC_TP2_ARGS overrides it).
  read -r -a tp2_args <<< "${HYC_TP2_ARGS:---tp 2 --device cuda}"
  if hyc model run "$dir" --device "$dev" --dtype float32 --ids "$ids" --generate 8 --logits-out "$out/tp1.safetensors" --json >"$out/tp1.json" 2>"$out/tp1.log" \
     && hyc model run "$dir" "${tp2_args[@]}" --dtype float32 --ids "$ids" --generate 8 --logits-out "$out/tp2.safetensors" --json >"$out/tp2.json" 2>"$out/tp2.log" \
     && diff=$(compare "$out/tp2.safetensors" "$out/tp1.safetensors" 1e-4) \
     && python3 -c 'import json,sys; a,b=(json.load(open(p))["greedy_ids"] for p in sys.argv[1:]); sys.exit(a!=b)' "$out/tp1.json" "$out/tp2.json"; then
    say "PASS TP2 over NCCL ($nccl_found) against TP1: max |logit diff| $diff, same greedy ids"
    grep -i nccl "$out/tp2.log" >>"$report" || say "note: tp2.log does not say nccl was used; check the collective backend"
  else
    say "FAIL TP2 over NCCL against TP1: ${diff:-a run failed or greedy ids differ; see $out/tp1.log, $out/tp2.log}"; failures=$((failures + 1))
  fi
fi

# ---- 3b. PP2 over the NCCL stage link (stage 0 on cuda:0, stage 1 on cuda:1) against TP1 x PP1 ---------------------
# Two ranks in this process behind two loopback listeners (hyc bench dataplane): each step's notice goes over TCP,
# the activations by ncclSend/ncclRecv on a two-rank communicator (ncclCommInitRank, unique id handed over in process
# where a cluster uses the grains); the greedy ids are compared with the same model unsplit on cuda:0.
pp2_model="$fixtures/tiny-moe"; [[ -d "$pp2_model" ]] || pp2_model=mini
if (( gpus < 2 )); then
  say "SKIP PP2 over the NCCL stage link: one GPU (it needs two: stage 0 on cuda:0, stage 1 on cuda:1)"
elif [[ -z "$nccl_found" ]]; then
  say "SKIP PP2 over the NCCL stage link: libnccl.so.2 not found (pip nvidia-nccl-cu12, libnccl2, or HYC_NCCL_LIBRARY)"
elif hyc bench dataplane --model "$pp2_model" --pp 2 --device cuda --stage-link nccl --dtype float32 --tokens 16 --repeat 1 --json \
       >"$out/pp2-nccl.json" 2>"$out/pp2-nccl.log" \
     && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d.get("same_greedy_ids") and d.get("stage_link") == "nccl"))' "$out/pp2-nccl.json"; then
  say "PASS PP2 over the NCCL stage link ($nccl_found) against TP1 x PP1: same greedy ids; $(cat "$out/pp2-nccl.json")"
else
  say "FAIL PP2 over the NCCL stage link against TP1 x PP1 (greedy ids differ, or the run failed): see $out/pp2-nccl.json, $out/pp2-nccl.log"
  failures=$((failures + 1))
fi

# ---- 4. structured-output masks and the prefix cache on cuda:0 -------------------------------------------------------
# The token mask is applied to the logits on their device (one masked_fill per step) and a request whose prefix is
# cached resumes inside the KV blocks of the GPU's pool: both have run only on the CPU so far. Targets: json_schema
# tokens/s at least 70% of unconstrained at 16 streams; time to first token with a cached 1,000-token prefix at least
# 5x faster than cold.
# A dry run times one short round of each: its figures mean nothing, its commands and their output must parse.
if (( dry )); then grammar_size=(--streams 4 --steps 8 --rounds 1); prefix_size=(--rounds 1)
else grammar_size=(--streams 16 --steps 32 --rounds 3); prefix_size=(--rounds 3); fi
if hyc bench grammar --device "$dev" --scheduler --model mini "${grammar_size[@]}" --json >"$out/grammar.json" 2>"$out/grammar.log" \
   && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["ratio"] < 0.7)' "$out/grammar.json"; then
  say "PASS structured output on $dev: $(cat "$out/grammar.json")"
else
  say "FAIL structured output on $dev (below 70% of unconstrained, or the run failed): see $out/grammar.json, $out/grammar.log"; failures=$((failures + 1))
fi
if hyc bench prefix --device "$dev" "${prefix_size[@]}" --json >"$out/prefix.json" 2>"$out/prefix.log" \
   && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["speedup"] < 5)' "$out/prefix.json"; then
  say "PASS prefix cache on $dev: $(cat "$out/prefix.json")"
else
  say "FAIL prefix cache on $dev (under 5x, or the run failed): see $out/prefix.json, $out/prefix.log"; failures=$((failures + 1))
fi

say "gpu-check: $failures failure(s); figures in $report"
exit $(( failures > 0 ? 1 : 0 ))
