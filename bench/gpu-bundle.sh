#!/usr/bin/env bash
# Packs what bench/gpu-on-device.sh needs on a GPU machine that has a CUDA PyTorch but no .NET and no way to download
# anything (this project's borrowed H200: PyTorch 2.11 + CUDA 13, nothing else reachable). Run it here, then carry the
# result to the device:
#
#   bench/gpu-bundle.sh [TORCHSHARP_SRC]        -> .gpu-bundle/hyc-gpu.tar.xz (52 MiB from dev-2c)
#   device runs: carry [".gpu-bundle"] with "bash bench/gpu-on-device.sh prepare", then "bash bench/gpu-on-device.sh check"
#
# In the archive:
#   dotnet/            this machine's .NET 10 runtime: the dotnet host, hostfxr, Microsoft.NETCore.App and
#                      Microsoft.AspNetCore.App (the endpoint's), about 107 MB before compression;
#   icu/               the ICU libraries .NET loads here (libicuuc, libicui18n, libicudata by soname): CUDA images often
#                      lack libicu, and hyc does not run in invariant globalization;
#   hyc/               hyc published with -p:TorchBackend=external (no libtorch of its own; it loads the device's);
#   libtorchsharp-src/ TorchSharp's native sources (src/Native of a dotnet/TorchSharp checkout, or its git archive, at the release that matches
#                      Directory.Packages.props, 0.107.0), so the device can compile LibTorchSharp against its own torch
#                      when that is not the 2.10 that TorchSharp's build is for. Left out, with a warning, when
#                      TORCHSHARP_SRC is not given: the device can then only run a torch 2.10.
#
# The device tool carries at most 64 MiB of ignored paths: the script stops when the archive passes 60 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-${TORCHSHARP_SRC:-}}"
out=.gpu-bundle
stage="$out/stage"
rm -rf "$stage"
mkdir -p "$stage"

dotnet_bin=$(readlink -f "$(command -v dotnet)")
dotnet_root=$(dirname "$dotnet_bin")
runtime=$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* 2>/dev/null | sort -V | tail -1)
aspnet=$(ls -d "$dotnet_root"/shared/Microsoft.AspNetCore.App/10.* 2>/dev/null | sort -V | tail -1)
if [[ -z "$runtime" || -z "$aspnet" ]]; then
  echo "gpu-bundle: no .NET 10 runtime under $dotnet_root/shared (Microsoft.NETCore.App and Microsoft.AspNetCore.App 10.x needed)" >&2
  exit 2
fi
if [[ -n "$src" && ! -f "$src/src/Native/LibTorchSharp/THSTensor.cpp" ]]; then
  echo "gpu-bundle: $src is not a dotnet/TorchSharp checkout (no src/Native/LibTorchSharp/THSTensor.cpp)" >&2
  exit 2
fi

echo "gpu-bundle: publishing hyc (Release, TorchBackend=external)" >&2
dotnet publish cli/Hunyuan.Cli -c Release -p:TorchBackend=external -o "$stage/hyc" -v q -nologo >&2
rm -f "$stage"/hyc/*.pdb
if ls "$stage"/hyc/libtorch_cpu.so "$stage"/hyc/libc10.so >/dev/null 2>&1; then
  echo "gpu-bundle: the external publish carries a libtorch; it must not" >&2
  exit 3
fi

echo "gpu-bundle: copying .NET from $dotnet_root ($(basename "$runtime"))" >&2
mkdir -p "$stage/dotnet/shared/Microsoft.NETCore.App" "$stage/dotnet/shared/Microsoft.AspNetCore.App"
cp -a "$dotnet_bin" "$stage/dotnet/dotnet"
cp -a "$dotnet_root/host" "$stage/dotnet/host"
cp -a "$runtime" "$stage/dotnet/shared/Microsoft.NETCore.App/"
cp -a "$aspnet" "$stage/dotnet/shared/Microsoft.AspNetCore.App/"

mkdir -p "$stage/icu"
for name in libicuuc libicui18n libicudata; do
  lib=$(ls /usr/lib/x86_64-linux-gnu/$name.so.[0-9]* /usr/lib64/$name.so.[0-9]* /usr/lib/$name.so.[0-9]* 2>/dev/null | grep -E "/$name\.so\.[0-9]+$" | head -1 || true)
  [[ -n "$lib" ]] || { echo "gpu-bundle: $name.so.N not found (install libicu)" >&2; exit 2; }
  cp -L "$lib" "$stage/icu/"
done

if [[ -n "$src" ]]; then
  mkdir -p "$stage/libtorchsharp-src"
  cp -a "$src/src/Native/LibTorchSharp" "$src/src/Native/Stdafx.h" "$src/src/Native/UnixSal.h" "$stage/libtorchsharp-src/"
  # A git archive export has no history: TORCHSHARP_COMMIT names the commit it came from.
  echo "${TORCHSHARP_COMMIT:-$(cd "$src" && git rev-parse HEAD 2>/dev/null || echo unknown)}" >"$stage/libtorchsharp-src/COMMIT"
else
  echo "gpu-bundle: warning: no TORCHSHARP_SRC: the bundle cannot rebuild LibTorchSharp, so it runs only on a torch 2.10" >&2
fi
git rev-parse HEAD >"$stage/HYC_COMMIT"

echo "gpu-bundle: compressing" >&2
tar -C "$stage" -cJf "$out/hyc-gpu.tar.xz.partial" .
rm -rf "$stage"
size=$(stat -c %s "$out/hyc-gpu.tar.xz.partial")
limit=$((60 * 1024 * 1024))
if (( size > limit )); then
  rm -f "$out/hyc-gpu.tar.xz.partial"
  echo "gpu-bundle: $((size / 1024 / 1024)) MiB is over 60 MiB, too close to the device's 64 MiB carry limit; nothing written" >&2
  exit 4
fi
mv "$out/hyc-gpu.tar.xz.partial" "$out/hyc-gpu.tar.xz"
echo "gpu-bundle: $out/hyc-gpu.tar.xz, $((size / 1024 / 1024)) MiB" >&2
echo "device: carry [\".gpu-bundle\"] with \"bash bench/gpu-on-device.sh prepare\", then (no carry) \"bash bench/gpu-on-device.sh check\"" >&2
