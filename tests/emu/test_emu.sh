#!/bin/sh
# Runs railcut with --backend ftdi against the emulated FT2232H through the
# real libftdi1 and libusb (umockdev), and checks one behaviour:
#   discovery  every documented device string opens it; wrong ones fail clearly
#   compare    fixture profiles give the same verdict and events as --backend sim
#   unplug     unplug mid-run: exit 3, trace finalised, railcut info reads it
#   corrupt    corrupted and dropped bytes are counted as link notes, same verdict
#   hang       a device that stops answering: exit 3 with a time-out message
# Usage: test_emu.sh MODE WRAPPER EMU RAILCUT FIXTURES TMPDIR
# Exit 77 (skipped) when umockdev is not installed.
set -u
mode=$1 wrapper=$2 emu=$3 railcut=$4 fixtures=$5 tmp=$6
if [ -z "$wrapper" ] || [ -z "$emu" ]; then
  echo "SKIP: umockdev (umockdev-wrapper, libumockdev-dev) is not installed"
  exit 77
fi
mkdir -p "$tmp"
work=$(mktemp -d "$tmp/$mode.XXXXXX")
fail() { echo "FAIL: $*"; exit 1; }

# emu [EMU OPTIONS] -- railcut arguments
emu() { "$wrapper" "$emu" --step-us 20000 "$@"; }

short=$work/short.rail
printf 'level 12V\nrestore\nhold 2s\ncut\nhold 1s\n' > "$short"

# Events as "t_us kind value", the kinds both backends report. For the ftdi
# trace each time loses one microsecond per wait that ended before it (a
# wait met at tick D ends at D + 1, docs/ftdi-driver.md).
events() {
  "$railcut" info "$1" --events | awk -v shift_waits="$2" '
    /^events:/ { on = 1; next }
    on && NF >= 3 {
      split($1, p, "."); us = p[1] * 1000000 + (p[2] == "" ? 0 : substr(p[2] "000000", 1, 6));
      kind = $3; val = (NF >= 4 ? $4 : "");
      if (kind ~ /^(ch_boot|ch_power_lost|restored|note)$/) next;
      if (kind == "ad1") val = "";
      t = us - (shift_waits ? waits_before(us) : 0);
      print t, kind, val;
      if (kind == "wait_done") done[++n] = us;
    }
    function waits_before(u,   i, c) { c = 0; for (i = 1; i <= n; i++) if (done[i] < u) c++; return c }'
}

case $mode in
discovery)
  for dev in "" "s:RC000001" "i:0x0403:0x6010" "i:0x0403:0x6010:0" "s:0x0403:0x6010:RC000001" \
             "d:001/002" "desc:Dual RS232-H" "s:RC000001?channel=B&baud=12000000&latency=2"; do
    RAILCUT_FTDI_DEVICE=$dev emu -- "$railcut" run "$short" --backend ftdi -q \
      --trace "$work/d.rct" > "$work/out" 2>&1 || { cat "$work/out"; fail "device '$dev' did not run"; }
  done
  RAILCUT_FTDI_DEVICE=s:NOPE emu -- "$railcut" run "$short" --backend ftdi -q --trace "$work/n.rct" > "$work/out" 2>&1
  [ $? -eq 3 ] || fail "a wrong serial did not exit 3"
  grep -q "cannot open the device 's:NOPE'" "$work/out" || { cat "$work/out"; fail "no clear message for a wrong serial"; }
  RAILCUT_FTDI_DEVICE="s:RC000001?channel=A" emu -- "$railcut" run "$short" --backend ftdi -q --trace "$work/a.rct" > "$work/out" 2>&1
  [ $? -eq 3 ] || fail "channel A (no gateware) did not exit 3"
  grep -q "did not answer identify" "$work/out" || { cat "$work/out"; fail "no clear message for channel A"; }
  RAILCUT_FTDI_DEVICE="s:RC000001?baud=12" emu -- "$railcut" run "$short" --backend ftdi -q --trace "$work/b.rct" > "$work/out" 2>&1
  grep -q "bad option 'baud'" "$work/out" || { cat "$work/out"; fail "no clear message for a bad option"; }
  emu --proto-major 2 -- "$railcut" run "$short" --backend ftdi -q --trace "$work/p.rct" > "$work/out" 2>&1
  [ $? -eq 3 ] || fail "a protocol 2.0 gateware was not refused"
  grep -q "speaks link protocol 2.0, railcut speaks 1.0" "$work/out" || { cat "$work/out"; fail "no clear message for a protocol mismatch"; }
  ;;
compare)
  for p in ota-reboot.rail ota/boundary-180.1s.rail; do
    "$railcut" run "$fixtures/profiles/$p" -q --json "$work/sim.json" --trace "$work/sim.rct" > /dev/null 2>&1
    sim_rc=$?
    emu -- "$railcut" run "$fixtures/profiles/$p" --backend ftdi -q --json "$work/ftdi.json" \
      --trace "$work/ftdi.rct" > "$work/out" 2>&1
    ftdi_rc=$?
    [ "$sim_rc" -eq "$ftdi_rc" ] || { cat "$work/out"; fail "$p: exit $ftdi_rc on ftdi, $sim_rc on sim"; }
    grep -o '"verdict":[[:space:]]*"[a-z]*"' "$work/sim.json" > "$work/sim.verdict"
    grep -o '"verdict":[[:space:]]*"[a-z]*"' "$work/ftdi.json" > "$work/ftdi.verdict"
    [ -s "$work/sim.verdict" ] || fail "$p: no verdict in the sim report"
    cmp -s "$work/sim.verdict" "$work/ftdi.verdict" || fail "$p: verdicts differ"
    events "$work/sim.rct" 0 > "$work/sim.ev"
    events "$work/ftdi.rct" 1 > "$work/ftdi.ev"
    [ "$(wc -l < "$work/sim.ev")" -gt 10 ] || fail "$p: too few events"
    diff "$work/sim.ev" "$work/ftdi.ev" || fail "$p: events differ"
  done
  ;;
unplug)
  emu --unplug-at 100000000 -- "$railcut" run "$fixtures/profiles/ota-reboot.rail" --backend ftdi -q \
    --trace "$work/u.rct" > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 3 ] || { cat "$work/out"; fail "unplug: exit $rc, not 3"; }
  grep -q "unplugged" "$work/out" || { cat "$work/out"; fail "unplug: no clear message"; }
  "$railcut" info "$work/u.rct" > "$work/info" || fail "unplug: railcut info cannot read the trace"
  grep -q "run_end" "$work/info" || grep -q "run ended" "$work/info" || { cat "$work/info"; fail "unplug: trace not finalised"; }
  ;;
corrupt)
  emu --corrupt-every 997 --drop-every 1499 -- "$railcut" run "$fixtures/profiles/ota-reboot.rail" \
    --backend ftdi -q --json "$work/c.json" --trace "$work/c.rct" > "$work/out" 2>&1 \
    || { cat "$work/out"; fail "corrupt: the run failed"; }
  grep -q '"verdict":[[:space:]]*"pass"' "$work/c.json" || fail "corrupt: verdict is not pass"
  "$railcut" info "$work/c.rct" --events | grep -q "note.*link:.*crc" || fail "corrupt: link errors not recorded"
  ;;
hang)
  emu --hang-at 30000000 -- "$railcut" run "$fixtures/profiles/ota-reboot.rail" --backend ftdi -q \
    --trace "$work/h.rct" > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 3 ] || { cat "$work/out"; fail "hang: exit $rc, not 3"; }
  grep -q "stopped answering" "$work/out" || { cat "$work/out"; fail "hang: no time-out message"; }
  "$railcut" info "$work/h.rct" > /dev/null || fail "hang: railcut info cannot read the trace"
  ;;
*) fail "unknown mode $mode" ;;
esac
rm -rf "$work"
echo "PASS: emu.$mode"
