#!/bin/sh
# Link faults on the emulated FT2232H (docs/reliability.md): each mode runs
# a short profile once on a clean link and once with the fault, and checks
# what the faulty run kept.
#   dup         every 5th SAMPLES frame arrives twice: same verdict, the
#               repeats are noted (not as lost frames), the samples equal
#               the clean run's
#   flips       bit flips, byte drops and repeats together: same verdict,
#               every error is noted, every sample kept equals the clean
#               run's sample at that time (the lost ones are missing, none wrong)
#   stall       the link delivers nothing for 1.5 s (under the 3 s limit):
#               same verdict, exactly the clean run's samples
#   stall_long  nothing for 5 s: exit 3 "stopped answering", the trace is
#               finalised and reads as the clean run's start
# Usage: test_emu_faults.sh MODE WRAPPER EMU RAILCUT TMPDIR
# Exit 77 (skipped) when umockdev is not installed.
set -u
mode=$1 wrapper=$2 emu=$3 railcut=$4 tmp=$5
if [ -z "$wrapper" ] || [ -z "$emu" ]; then
  echo "SKIP: umockdev (umockdev-wrapper, libumockdev-dev) is not installed"
  exit 77
fi
mkdir -p "$tmp"
work=$(mktemp -d "$tmp/faults-$mode.XXXXXX")
fail() { echo "FAIL: $*"; exit 1; }

profile=$work/short.rail
printf 'level 12V\nrestore\nhold 2s\ncut\nhold 1s\nrestore\nhold 3s\n' > "$profile"

# run NAME [EMU OPTIONS]: records NAME.rct, exit code in $rc, output in NAME.out
run() {
  name=$1
  shift
  "$wrapper" "$emu" --step-us 20000 "$@" -- "$railcut" run "$profile" --backend ftdi -q --observe 1s \
    --trace "$work/$name.rct" > "$work/$name.out" 2>&1
  rc=$?
}

# samples NAME: the trace's samples as CSV lines "time_s,rail_v,rail_a,ac_lost,ch_state"
samples() {
  "$railcut" export "$work/$1.rct" --format csv -o "$work/$1.csv" > /dev/null 2>&1 \
    || fail "$1: export failed"
  grep '^[0-9]' "$work/$1.csv" > "$work/$1.samples"
}

# note_sum NAME PATTERN: the sum of the values of the link notes matching PATTERN
note_sum() {
  grep "^# event,[0-9.]*,note,[0-9]*,link: .*$2" "$work/$1.csv" \
    | awk -F, '{ s += $4 } END { print s + 0 }'
}

# lost_sum NAME: frames noted lost ("link: N crc, M bytes, K lost")
lost_sum() {
  grep "^# event,[0-9.]*,note,[0-9]*,link: .* lost" "$work/$1.csv" \
    | sed 's/.* \([0-9]*\) lost.*/\1/' | awk '{ s += $1 } END { print s + 0 }'
}

# kept_correct NAME: every sample of NAME equals the clean run's at its time;
# prints "kept wrong"
kept_correct() {
  awk -F, 'NR == FNR { ref[$1] = $0; next }
           { n++; if (!($1 in ref) || ref[$1] != $0) bad++ }
           END { print n + 0, bad + 0 }' "$work/clean.samples" "$work/$1.samples"
}

# check_all_kept NAME: no sample differs from the clean run's, and all 7001
# are there unless the run noted link errors (a busy machine can make the
# emulated link lose frames on its own; railcut counts them like any other).
check_all_kept() {
  set -- "$1" $(kept_correct "$1")
  [ "$3" -eq 0 ] || fail "$1: $3 samples differ from the clean run"
  [ "$2" -eq 7001 ] || [ "$(note_sum "$1" crc)" -gt 0 ] \
    || fail "$1: $2 samples kept and no link error noted"
}

# A one-second observation window keeps runs short; the verdict it gives is
# beside the point, but a faulty run must give the clean run's. The reference
# is a clean run that lost nothing (tried three times).
for try in 1 2 3; do
  run clean
  clean_rc=$rc
  [ $rc -le 1 ] || { cat "$work/clean.out"; fail "the clean run failed (exit $rc)"; }
  samples clean
  [ "$(wc -l < "$work/clean.samples")" -eq 7001 ] && break
done
[ "$(wc -l < "$work/clean.samples")" -eq 7001 ] || fail "no clean run kept all 7001 samples"

case $mode in
dup)
  run dup --dup-every 5
  [ $rc -eq $clean_rc ] || { cat "$work/dup.out"; fail "dup: exit $rc, the clean run $clean_rc"; }
  samples dup
  check_all_kept dup
  [ "$(note_sum dup repeated)" -gt 100 ] || fail "dup: repeats not noted"
  [ "$(lost_sum dup)" -lt 255 ] || fail "dup: repeats counted as lost frames"
  ;;
flips)
  run flips --corrupt-every 211 --drop-every 499 --dup-every 5
  [ $rc -eq $clean_rc ] || { cat "$work/flips.out"; fail "flips: exit $rc, the clean run $clean_rc"; }
  samples flips
  set -- $(kept_correct flips)
  kept=$1 wrong=$2
  [ "$wrong" -eq 0 ] || fail "flips: $wrong samples differ from the clean run"
  [ "$kept" -gt 1000 ] && [ "$kept" -lt 7001 ] || fail "flips: $kept samples kept"
  [ "$(note_sum flips crc)" -gt 0 ] || fail "flips: CRC errors not noted"
  [ "$(note_sum flips repeated)" -gt 0 ] || fail "flips: repeats not noted"
  ;;
stall)
  run stall --stall-at 1500000 --stall-ms 1500
  [ $rc -eq $clean_rc ] || { cat "$work/stall.out"; fail "stall: exit $rc, the clean run $clean_rc"; }
  samples stall
  check_all_kept stall
  ;;
stall_long)
  run long --stall-at 1500000 --stall-ms 5000
  [ $rc -eq 3 ] || { cat "$work/long.out"; fail "stall_long: exit $rc, not 3"; }
  grep -q "the device stopped answering (nothing for 3000 ms); trace finalised" "$work/long.out" \
    || { cat "$work/long.out"; fail "stall_long: no time-out message"; }
  "$railcut" info "$work/long.rct" > "$work/long.info" \
    || { cat "$work/long.info"; fail "stall_long: railcut info cannot read the trace"; }
  samples long
  set -- $(kept_correct long)
  [ "$2" -eq 0 ] || fail "stall_long: $2 samples differ from the clean run"
  [ "$1" -gt 100 ] || fail "stall_long: only $1 samples kept"
  ;;
*) fail "unknown mode $mode" ;;
esac
rm -rf "$work"
echo "PASS: emu.faults.$mode"
