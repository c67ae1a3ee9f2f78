#!/bin/sh
# bench_suites.sh - wall time of all three suites in fixtures/suites on the sim
# backend, with --jobs 1 and --jobs 2, three runs each (the middle one counts).
# Traces go to a temporary directory that is removed afterwards.
#
#   bench/bench_suites.sh [path/to/railcut]     (default ./build/host/railcut)
set -eu
railcut=${1:-./build/host/railcut}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prints the wall seconds of one pass over the three suites.
one_pass() {
    start=$(date +%s.%N)
    for s in mp102a-ch mp102a-esme defects; do
        "$railcut" suite "$root/fixtures/suites/$s.suite" --jobs "$1" -q \
            --trace-dir "$tmp/$s-$1-$2"
    done
    end=$(date +%s.%N)
    echo "$start $end" | awk '{ printf "%.3f\n", $2 - $1 }'
}

cases=$(cat "$root"/fixtures/suites/*.suite | grep -c '^case ')
echo "suites: mp102a-ch, mp102a-esme, defects ($cases cases), backend sim"
for jobs in 1 2; do
    times=$(for run in 1 2 3; do one_pass "$jobs" "$run"; done | sort -n | tr '\n' ' ')
    middle=$(echo "$times" | awk '{ print $2 }')
    echo "--jobs $jobs: $middle s (runs: $times)"
done
