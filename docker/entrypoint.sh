#!/bin/sh
# Role from the first argument (api | worker | all), else from $ROLE (default all).
set -eu
case "${1:-}" in
  api | worker | all)
    ROLE="$1"
    export ROLE
    shift
    ;;
esac
exec node --import tsx src/main.ts "$@"
