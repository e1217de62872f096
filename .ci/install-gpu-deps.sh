#!/usr/bin/env bash
# Mesa's OpenGL (llvmpipe) + EGL, so Dawn's OpenGL backend can provide the software WebGPU adapter
# that test/webgpu/ trains on. Debian 12 (bookworm). Vulkan (mesa-vulkan-drivers/lavapipe 22.3) is
# deliberately not installed: it is too old for Dawn's Vulkan backend.
#   libegl-dev     the unversioned libEGL.so that dawn.node dlopen()s (libegl1 only has libEGL.so.1)
#   libegl-mesa0   Mesa's EGL vendor library (surfaceless platform)
#   libgl1-mesa-dri  swrast_dri.so: the llvmpipe driver
set -euo pipefail
PKGS=(libegl1 libegl-dev libegl-mesa0 libgl1-mesa-dri)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "gpu deps: Mesa EGL/llvmpipe already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "gpu deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
