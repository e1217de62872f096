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
exec node dist/main.js "$@"
