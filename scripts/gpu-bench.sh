#!/usr/bin/env bash
# Trains the benchmark data sets with `fit-eval` on the webgpu backend and on wasm, on this machine,
# and prints one table (dataset, backend, adapter, accuracy, macro-F1, train s, docs/s, epochs).
#
# Two ways to run it (docs/GPU.md):
#   - in a checkout with node_modules:      scripts/gpu-bench.sh
#   - in a bundle made by bundle-gpu-bench.sh (no Node, no internet needed on the GPU machine):
#                                            ./gpu-bench.sh     (inside the bundle folder)
# Environment:
#   GPU_BENCH_DATA      data sets folder (<name>/{train,test}.jsonl); default: bundle's data/ or ../shared/datasets
#   GPU_BENCH_SETS      data sets to run, default "bbc-news sms-spam thucnews-titles"
#   GPU_BENCH_BACKENDS  backends to run, default "webgpu wasm"
#   WEBGPU_ADAPTER      auto (default: Dawn's Vulkan backend on Linux) or software (Mesa llvmpipe)
#   GPU_BENCH_OUT       where the results go (JSON lines), default $TMPDIR/gpu-bench-<date>.jsonl
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=${TMPDIR:-/tmp}

if [ -f "$here/app/textclf.mjs" ]; then
  # Bundle layout: node.xz, app/textclf.mjs, node_modules/ (trimmed), lib/, data/, gpu-bench-table.mjs
  mode=bundle
  run_dir="$here/.run"
  mkdir -p "$run_dir"
  node_bin="$run_dir/node"
  if [ ! -x "$node_bin" ]; then
    echo "unpacking the bundled Node binary..." >&2
    if command -v xz >/dev/null; then
      xz -dc "$here/node.xz" >"$node_bin.part"
    elif command -v python3 >/dev/null; then
      python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
        "$here/node.xz" "$node_bin.part"
    else
      echo "need xz or python3 to unpack node.xz" >&2
      exit 1
    fi
    chmod +x "$node_bin.part"
    mv "$node_bin.part" "$node_bin"
  fi
  cli=("$node_bin" "$here/app/textclf.mjs")
  table=("$node_bin" "$here/gpu-bench-table.mjs")
  data=${GPU_BENCH_DATA:-$here/data}
else
  mode=checkout
  root=$(cd "$here/.." && pwd)
  run_dir="$tmp/textclf-gpu-bench-run"
  mkdir -p "$run_dir"
  cli=(node --import tsx "$root/src/cli/main.ts")
  table=(node "$root/scripts/gpu-bench-table.mjs")
  data=${GPU_BENCH_DATA:-$root/../shared/datasets}
  cd "$root"
fi

# The dynamic linker's cache; ldconfig lives in /sbin, often not on a user's PATH.
shared_libs() { { ldconfig -p || /sbin/ldconfig -p || /usr/sbin/ldconfig -p; } 2>/dev/null || true; }

# Dawn's Vulkan backend dlopen()s libvulkan.so.1 (the Khronos loader), which then needs the NVIDIA
# driver's ICD manifest. Containers often have the driver libraries but neither of the two.
if ! shared_libs | grep -q 'libvulkan\.so\.1 '; then
  if [ -f "$here/lib/libvulkan.so.1" ]; then
    echo "no system Vulkan loader: using the bundled lib/libvulkan.so.1" >&2
    export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  else
    echo "warning: no libvulkan.so.1 (install libvulkan1); webgpu will find no adapter" >&2
  fi
fi
icd_found=""
for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
  if ls "$d"/nvidia*.json >/dev/null 2>&1; then icd_found="$d"; fi
done
if [ -z "$icd_found" ] && [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  glx=$(shared_libs | awk '/libGLX_nvidia\.so\.0 /{print $NF; exit}')
  if [ -n "$glx" ]; then
    # The manifest the NVIDIA driver installs: its Vulkan driver lives in libGLX_nvidia.so.0.
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$glx" \
      >"$run_dir/nvidia_icd.json"
    export VK_ICD_FILENAMES="$run_dir/nvidia_icd.json" VK_DRIVER_FILES="$run_dir/nvidia_icd.json"
    echo "no NVIDIA Vulkan ICD manifest found: wrote $run_dir/nvidia_icd.json -> $glx" >&2
  else
    echo "warning: no NVIDIA Vulkan ICD (nvidia_icd.json / libGLX_nvidia.so.0); in Docker use" \
      "NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics" >&2
  fi
fi

if command -v nvidia-smi >/dev/null; then nvidia-smi -L >&2 || true; fi
echo "mode: $mode; node: $("${cli[0]}" --version); data: $data" >&2

sets=${GPU_BENCH_SETS:-bbc-news sms-spam thucnews-titles}
backends=${GPU_BENCH_BACKENDS:-webgpu wasm}
out=${GPU_BENCH_OUT:-$tmp/gpu-bench-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
runs="$run_dir/runs.jsonl"
: >"$runs"

for set in $sets; do
  for backend in $backends; do
    echo "== $set on $backend" >&2
    log="$run_dir/$set.$backend.log"
    # The table script takes the JSON result out of the log: Dawn and Mesa may print around it.
    if TEXTCLF_BACKEND=$backend LOG_LEVEL=${LOG_LEVEL:-warn} "${cli[@]}" fit-eval \
      --train "$data/$set/train.jsonl" --test "$data/$set/test.jsonl" --json >"$log" 2>"$log.err"; then
      printf '{"dataset":"%s","requested":"%s","stdout":"%s"}\n' "$set" "$backend" "$log" >>"$runs"
    else
      reason=$(tail -n 1 "$log.err" | tr -d '"\\' | cut -c1-200)
      printf '{"dataset":"%s","requested":"%s","error":"%s"}\n' "$set" "$backend" "$reason" >>"$runs"
      echo "   failed: $reason (full log: $log.err)" >&2
    fi
  done
done

"${table[@]}" "$out" <"$runs"
echo "results (JSON lines): $out" >&2
