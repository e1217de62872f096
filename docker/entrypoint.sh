#!/bin/sh
# Role from the first argument (api | worker | all), else from $ROLE (default all); `textclf ARGS...`
# runs the command line instead. Both are the JavaScript compiled into dist/ (no tsx in the image).
set -eu
# Every process allocates and frees large buffers whole (models loaded and unloaded; a training
# run's counting tables, feature matrix and checkpoints). With glibc's sliding mmap threshold freed
# buffers stay in the heap: an API process kept growing past SERVING_MEMORY_MB as models were swapped
# out (1,198 MB against 996 MB, `npm run bench:serve-models`), and a worker training a million
# documents peaked at 1,274 MB against 925 MB (`npm run bench:big`; the same time per epoch).
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
case "${1:-}" in
  api | worker | all)
    ROLE="$1"
    export ROLE
    shift
    ;;
  textclf)
    shift
    exec node dist/cli/main.js "$@"
    ;;
esac
exec node dist/main.js "$@"
