#!/bin/sh
# Role from the first argument (api | worker | all), else from $ROLE (default all); `textclf ARGS...`
# runs the command line instead. Both are the JavaScript compiled into dist/ (no tsx in the image).
set -eu
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
# API processes load and unload models whole: with glibc's sliding mmap threshold a freed artefact's
# buffers stay in the heap, so RSS kept growing past SERVING_MEMORY_MB as models were swapped out
# (1,198 MB against 996 MB with a fixed threshold, `npm run bench:serve-models`). Workers keep the
# default, where reusing freed buffers is what training wants.
if [ "${ROLE:-all}" = api ]; then
  export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
fi
exec node dist/main.js "$@"
