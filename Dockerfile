# syntax=docker/dockerfile:1.7
#
# One image for every role: `docker run IMAGE api|worker|all` (or ENV ROLE). Build arguments:
#   VARIANT=cpu (default)  Node 24 (the current LTS) on Debian bookworm; TensorFlow.js via tfjs-node if it installs, else wasm
#   VARIANT=gpu            CUDA 11.2 + cuDNN 8 runtime (what @tensorflow/tfjs-node-gpu 4.x links against);
#                          run with `--gpus all` (NVIDIA container toolkit)
# The service runs as JavaScript compiled in the `verify` stage (`npm run build` -> dist/), on plain
# Node: no TypeScript, no tsx (a dev dependency) in the image. `textclf` as the first argument runs
# the CLI (dist/cli/main.js), e.g. `docker run IMAGE textclf remote models --url ...`.
# podman/buildah: build with `--format docker`; the default OCI format has no HEALTHCHECK and drops it
# (scripts/smoke-container.sh builds and runs the image that way).

ARG VARIANT=cpu
ARG NODE_IMAGE=node:24-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04

# ---------------------------------------------------------------------------------------------
# Node itself, copied into the CUDA image (node's release binaries need glibc >= 2.28; 20.04 has 2.31).
FROM ${NODE_IMAGE} AS node

# ---------------------------------------------------------------------------------------------
# Base of the runtime, per variant.
FROM ${NODE_IMAGE} AS base-cpu
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*

FROM ${CUDA_IMAGE} AS base-gpu
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version

# ---------------------------------------------------------------------------------------------
# Verify: full install, generated API types up to date, type check; then what ships from here:
# the compiled service (dist/) and the dashboard's build (web/dist).
FROM ${NODE_IMAGE} AS verify
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: type declarations are enough here; native addons are built in `deps`.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json openapi.yaml ./
COPY scripts/build-dist.mjs ./scripts/
COPY src ./src
COPY web ./web
RUN npm run check:types && npx tsc --noEmit -p . \
 && touch /verified
# The dashboard (Vite, a dev dependency): only its static build ships.
RUN npm run build:web
# src/ -> dist/ (tsc, plus the .lua scripts the modules read beside themselves).
RUN npm run build

# ---------------------------------------------------------------------------------------------
# Production dependencies, built on the runtime base so native addons match its glibc/CUDA.
FROM base-${VARIANT} AS deps
ARG VARIANT
WORKDIR /app
# Native addons (tfjs-node, webgpu) may need to compile when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund \
 && if [ "$VARIANT" = "gpu" ]; then \
      npm install --no-save --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0; \
    fi \
 && npm cache clean --force

# ---------------------------------------------------------------------------------------------
FROM base-${VARIANT} AS runtime
ARG VARIANT
LABEL org.opencontainers.image.title="textclf" \
      org.opencontainers.image.description="Text-classification service (API and training worker)" \
      textclf.variant="${VARIANT}"
ENV NODE_ENV=production \
    ROLE=all \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data \
    TEXTCLF_VARIANT=${VARIANT}
WORKDIR /app
RUN groupadd --system --gid 10001 textclf \
 && useradd --system --uid 10001 --gid textclf --home-dir /app --shell /usr/sbin/nologin textclf \
 && mkdir -p /app/data && chown textclf:textclf /app/data
# Ties the image to a successful verify stage (BuildKit skips stages nothing depends on).
COPY --from=verify /verified /tmp/verified
COPY --from=deps /app/node_modules ./node_modules
# dist/<room>/ finds openapi.yaml and web/dist two levels up, as src/<room>/ does in a checkout.
COPY package.json openapi.yaml ./
COPY --from=verify /app/dist ./dist
COPY --from=verify /app/web/dist ./web/dist
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/textclf-entrypoint
COPY docker/healthcheck.mjs /usr/local/lib/textclf-healthcheck.mjs
USER textclf:textclf
EXPOSE 8080
VOLUME ["/app/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "/usr/local/lib/textclf-healthcheck.mjs"]
# tini reaps zombies (training children) and forwards SIGTERM for the graceful shutdown.
ENTRYPOINT ["tini", "--", "textclf-entrypoint"]
CMD []

# ---------------------------------------------------------------------------------------------
# GPU without CUDA pinning (docs/GPU.md): the webgpu backend (Dawn, npm `webgpu`, installed by
# `npm ci` above as an optional dependency) needs only the Vulkan loader and the driver's Vulkan
# ICD, which the NVIDIA container toolkit mounts when asked for `graphics`. On the cpu variant:
#   RUN apt-get update && apt-get install -y --no-install-recommends libvulkan1
#   ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics TEXTCLF_BACKEND=webgpu
#   docker run --gpus all ...
# `auto` takes webgpu only for a hardware adapter, so the same image falls back to wasm elsewhere.
# VARIANT=gpu above remains the tfjs-node-gpu image for hosts with exactly CUDA 11.2 + cuDNN 8.
