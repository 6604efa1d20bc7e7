#!/usr/bin/env bash
# Runs on a GPU machine with a CUDA PyTorch and no .NET (this project's borrowed H200: python3's torch 2.11 + CUDA 13,
# nothing downloadable), from the archive bench/gpu-bundle.sh made here and the device tool carried:
#
#   bash bench/gpu-on-device.sh [prepare|check|all]      (default all; results under $OUT, else ./gpu-device-out)
#
# prepare: unpacks .gpu-bundle/hyc-gpu.tar.xz into .gpu-run/ (kept while the machine stays warm); makes LibTorchSharp fit
#          this machine's torch: TorchSharp's own build where the torch is 2.10, else compiled here from the bundled
#          TorchSharp sources against torch's headers (g++, all cores; the library is also copied to $OUT, and
#          LIBTORCHSHARP_PREBUILT=that file skips the compile next time), with libLibTorchSharp.torch-version beside it so
#          hyc accepts that torch and no other; lists LibTorchSharp's symbols that the torch libraries lack
#          ($OUT/abi-missing.txt, needs nm); then one smoke run: the tiny-moe fixture on cuda:0 (SMOKE_DEVICE), 4 tokens.
# check:   bench/gpu-check.sh with the bundle's .NET and hyc and the machine's torch ($OUT/gpu-check/gpu-check.txt).
#
# The device allows 10 minutes a command and 15 in all, start-up included: run prepare and check as two commands.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
phase="${1:-all}"
case "$phase" in prepare|check|all) ;; *) echo "usage: $0 [prepare|check|all]" >&2; exit 2;; esac
out="${OUT:-$PWD/gpu-device-out}"
mkdir -p "$out" || exit 2
log="$out/gpu-on-device.txt"
say() { echo "$*" | tee -a "$log"; }
fail() { say "FAIL $*"; exit 1; }
bundle=.gpu-bundle/hyc-gpu.tar.xz
run_dir="$PWD/.gpu-run"

py="${PYTHON:-python3}"
# One import of torch (seconds each): its directory, version, C++ ABI and whether it sees a GPU.
read -r torch_dir torch_version cxx11_abi cuda_seen < <("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__), torch.__version__, int(torch.compiled_with_cxx11_abi()), torch.cuda.is_available())' 2>>"$log")
[[ -n "${torch_dir:-}" && -n "${cuda_seen:-}" ]] || fail "no torch in $py (set PYTHON; see $log)"
torch_minor=$(echo "$torch_version" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
say "torch $torch_version at $torch_dir (cxx11 abi $cxx11_abi; cuda available: $cuda_seen)"

# Unpacked once per bundle (by content: a carried copy gets new times), so a later call keeps what prepare built.
if [[ -f "$bundle" ]]; then
  bundle_sum=$(sha256sum "$bundle" | cut -d' ' -f1)
  if [[ "$(cat "$run_dir/.unpacked" 2>/dev/null)" != "$bundle_sum" ]]; then
    rm -rf "$run_dir" && mkdir -p "$run_dir" || exit 2
    tar -C "$run_dir" -xJf "$bundle" || fail "cannot unpack $bundle"
    echo "$bundle_sum" >"$run_dir/.unpacked"
    say "unpacked $bundle (hyc $(cat "$run_dir/HYC_COMMIT" 2>/dev/null))"
  fi
elif [[ ! -f "$run_dir/.unpacked" ]]; then
  fail "$bundle is missing: run bench/gpu-bundle.sh on the build machine and carry .gpu-bundle"
fi
hyc_dir="$run_dir/hyc"
export DOTNET_ROOT="$run_dir/dotnet"
export DOTNET="$run_dir/dotnet/dotnet"
export HYC_DLL="$hyc_dir/hyc.dll"
export HYC_LIBTORCH_DIR="$torch_dir"
# The bundle's ICU after the machine's own, should it have one.
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$run_dir/icu"
export DOTNET_CLI_TELEMETRY_OPTOUT=1
# The golden fixtures: the shared folder beside the checkout, or inside it, as the device tool lays it out.
if [[ -z "${HYC_FIXTURES:-}" ]]; then
  for d in "$PWD/../shared/fixtures" "$PWD/shared/fixtures"; do [[ -d "$d" ]] && HYC_FIXTURES="$d" && break; done
fi
export HYC_FIXTURES="${HYC_FIXTURES:-$PWD/../shared/fixtures}"

# ---- LibTorchSharp for this torch ------------------------------------------------------------------------------------
marker="$hyc_dir/libLibTorchSharp.torch-version"
build_libtorchsharp() {
  local src="$run_dir/libtorchsharp-src" obj="$run_dir/libtorchsharp-obj"
  [[ -f "$src/LibTorchSharp/THSTensor.cpp" ]] || fail "torch is $torch_version, TorchSharp's LibTorchSharp is for 2.10, and the bundle has no TorchSharp sources to rebuild it (bench/gpu-bundle.sh TORCHSHARP_SRC)"
  command -v g++ >/dev/null || fail "g++ is needed to compile LibTorchSharp against torch $torch_version"
  rm -rf "$obj" && mkdir -p "$obj" || exit 2
  say "compiling LibTorchSharp ($(cat "$src/COMMIT" 2>/dev/null)) against torch $torch_version on $(nproc) cores"
  local flags=(-O2 -fPIC -fvisibility=hidden "-D_GLIBCXX_USE_CXX11_ABI=$cxx11_abi" -D__LINUX__ -D_NO_ASYNCRTIMP -D_NO_PPLXIMP
               "-I$src" "-I$torch_dir/include" "-I$torch_dir/include/torch/csrc/api/include" -w)
  local started=$SECONDS running=0 failed=0 f
  # One compiler per source file on every core; each file's errors go to its own log.
  for f in "$src"/LibTorchSharp/*.cpp; do
    g++ -std=c++17 "${flags[@]}" -c "$f" -o "$obj/$(basename "$f").o" 2>"$obj/$(basename "$f").log" &
    if (( ++running >= $(nproc) )); then wait -n || failed=1; running=$((running - 1)); fi
  done
  while (( running > 0 )); do wait -n || failed=1; running=$((running - 1)); done
  if (( failed )); then
    grep -l . "$obj"/*.log 2>/dev/null | while read -r l; do echo "== $l"; cat "$l"; done >"$out/libtorchsharp-compile.log"
    local broken=() b
    for f in "$src"/LibTorchSharp/*.cpp; do [[ -f "$obj/$(basename "$f").o" ]] || broken+=("$(basename "$f")"); done
    # Only a file whose entry points hyc never calls (no convolution, FFT, module, loss, optimiser, data set, vision or
    # torch.export in src/ or cli/) may be left out: TorchSharp reports a missing entry point only when it is called.
    for b in "${broken[@]}"; do
      case "$b" in
        THSConvolution.cpp|THSTensorConv.cpp|THSFFT.cpp|THSModule.cpp|THSLoss.cpp|THSOptimizers.cpp|THSData.cpp|THSVision.cpp|cifar10.cpp|THSExport.cpp) ;;
        *) fail "compiling LibTorchSharp against torch $torch_version: $b does not compile (errors in $out/libtorchsharp-compile.log)";;
      esac
    done
    say "WARNING: LibTorchSharp built without ${broken[*]}, which do not compile against torch $torch_version ($out/libtorchsharp-compile.log) and which hyc does not call"
  fi
  gcc -O2 -fPIC -c "$src/LibTorchSharp/crc32c.c" -o "$obj/crc32c.c.o" 2>>"$log" || fail "compiling crc32c.c"
  g++ -shared -o "$obj/libLibTorchSharp.so" "$obj"/*.o -L"$torch_dir/lib" -ltorch -ltorch_cpu -lc10 \
      -Wl,-rpath,'$ORIGIN' -Wl,-Bsymbolic -Wl,-Bsymbolic-functions 2>>"$log" || fail "linking LibTorchSharp"
  say "compiled LibTorchSharp in $((SECONDS - started)) s"
  cp "$obj/libLibTorchSharp.so" "$out/libLibTorchSharp-torch$torch_version.so"
  install_libtorchsharp "$obj/libLibTorchSharp.so"
}
install_libtorchsharp() {
  cp "$1" "$hyc_dir/libLibTorchSharp.so" || fail "cannot install $1"
  echo "$torch_version" >"$marker"
  say "LibTorchSharp for torch $torch_version installed ($1)"
}
prepare() {
  if [[ "$torch_minor" == 2.10 ]]; then
    rm -f "$marker"
    say "torch is 2.10: TorchSharp's own LibTorchSharp is used"
  elif [[ -f "$marker" && "$(cat "$marker")" == "$torch_version" ]]; then
    say "LibTorchSharp for torch $torch_version already installed"
  elif [[ -n "${LIBTORCHSHARP_PREBUILT:-}" ]]; then
    install_libtorchsharp "$LIBTORCHSHARP_PREBUILT"
  else
    build_libtorchsharp
  fi

  if command -v nm >/dev/null; then
    nm -D --undefined-only "$hyc_dir/libLibTorchSharp.so" | awk '$1 == "U" {print $2}' | sort -u >"$run_dir/lts-undefined.txt"
    nm -D --defined-only "$torch_dir"/lib/libc10.so "$torch_dir"/lib/libtorch_cpu.so "$torch_dir"/lib/libtorch.so \
        "$torch_dir"/lib/libtorch_cuda.so 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u >"$run_dir/torch-defined.txt"
    comm -23 "$run_dir/lts-undefined.txt" "$run_dir/torch-defined.txt" | grep -v '@' >"$out/abi-missing.txt"
    local missing; missing=$(wc -l <"$out/abi-missing.txt")
    say "LibTorchSharp symbols torch's libraries lack (versioned libc and libstdc++ ones left out): $missing ($out/abi-missing.txt)"
  fi

  local fixture="$HYC_FIXTURES/tiny-moe"
  [[ -d "$fixture" ]] || fail "no tiny-moe fixture in $HYC_FIXTURES (set HYC_FIXTURES)"
  local ids
  ids=$("$py" bench/fixture_input_ids.py "$fixture/expected.safetensors")
  local device="${SMOKE_DEVICE:-cuda:0}"
  if timeout 240 "$DOTNET" "$HYC_DLL" model run "$fixture" --device "$device" --dtype float32 --ids "$ids" --generate 4 \
       --logits-out "$out/smoke.logits.safetensors" --json >"$out/smoke.json" 2>"$out/smoke.log"; then
    say "smoke: tiny-moe on $device: $(cat "$out/smoke.json")"
  else
    fail "smoke: hyc model run on $device (see $out/smoke.log: $(tail -3 "$out/smoke.log" | tr '\n' ' '))"
  fi
}

if [[ "$phase" == prepare || "$phase" == all ]]; then
  prepare
fi
if [[ "$phase" == check || "$phase" == all ]]; then
  [[ -f "$HYC_DLL" ]] || fail "$HYC_DLL is missing: run the prepare phase first"
  # Two slice layers instead of four: about 8 GB of random weights to write instead of 12.5 (written on one core).
  SLICE_LAYERS="${SLICE_LAYERS:-2}" EAGER_PYTHON="$py" bash bench/gpu-check.sh "$out/gpu-check"
  rc=$?
  say "gpu-check exited $rc"
  exit $rc
fi
