#!/bin/sh
# Runs railcut with --backend ftdi against the emulated FT2232H through the
# real libftdi1 and libusb (umockdev), and checks one behaviour:
#   discovery  every documented device string opens it; wrong ones fail clearly;
#              devices --identify lists it with its gateware's identity
#   compare    fixture profiles give the same verdict and events as --backend sim
#   unplug     unplug mid-run: exit 3, trace finalised, railcut info reads it
#   corrupt    corrupted and dropped bytes are counted as link notes, same verdict
#   hang       a device that stops answering: exit 3 with a time-out message
#   calibrate  calibrate --bench on converters with a known gain and offset error
#              recovers it; a run with that calibration measures the true rail,
#              its trace header and report carry the calibration and uncertainty
#   uart       AD1 from a pattern on the CH's sniffed debug UART, at the sim's time
#   suite      suite --bench: hardware cases run on the bench (alert source,
#              calibration in the header); a missing bench is refused
#   sigint     Ctrl-C mid-run: exit 3, trace finalised, the rail in the safe state
#   limits     the bench's safe state and trip limits reach the gateware
#   flash      flash --bench runs the real iceprog against the emulated SPI flash:
#              the flash holds the file afterwards; the new gateware's identity
#              is checked (another board or protocol: exit 3)
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
# An outage of 181 s into a CH that is ready: a last-gasp AD1 at 203.011774 s
# on the sim (ready at 20.004252 s, cut at 21.004252 s, AD1 2 s after 180 s).
ad1=$work/ad1.rail
printf 'scenario ota\nlevel 12V\nrestore\nwait ready timeout 60s\nhold 1s\ncut\nhold 181s\nrestore\nhold 5s\n' > "$ad1"
export RAILCUT_LOCK_DIR="$work"
mkdir -p "$work/benches"
# bench NAME [LINES...]: a bench file for the emulated FT2232H
bench() {
  name=$1; shift
  printf '[bench]\nname = %s\ndevice = s:RC000001\nboard = icebreaker\n' "$name" > "$work/benches/$name.ini"
  for l in "$@"; do printf '%s\n' "$l" >> "$work/benches/$name.ini"; done
}
# key FILE SECTION KEY: a value from an INI file
key() { awk -v s="[$2]" -v k="$3" '/^\[/ { on = ($0 == s) } on && $1 == k { print $3; exit }' "$1"; }
# near VALUE WANT TOL: |VALUE - WANT| <= TOL
near() { awk -v v="$1" -v w="$2" -v t="$3" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(v != "" && d <= t) }'; }
# rail_at CSV T: the rail_v column of the sample at time T
rail_at() { awk -F, -v t="$2" '$1 == t { print $2; exit }' "$1"; }

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
  emu -- "$railcut" devices --identify > "$work/out" 2>&1 || { cat "$work/out"; fail "devices --identify failed"; }
  grep -q "^001/002  0403:6010  RC000001 .* s:RC000001$" "$work/out" || { cat "$work/out"; fail "devices: no RC000001"; }
  grep -q "^  gateware: protocol 1.0, version 1.0.0, board simulation (0), FIFO 32$" "$work/out" \
    || { cat "$work/out"; fail "devices --identify: no gateware identity"; }
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
calibrate)
  # The emulated board's true converters: DAC 0.2525 mV/code - 30 mV, rail
  # ADC 0.249 mV/code + 12 mV, current ADC 0.1012 mA/code - 0.5 mA, into a
  # 100 ohm dummy load. The readings are what a perfect DMM would show.
  errors="--dac-cal 0.2525,-30 --adc-v-cal 0.249,12 --adc-a-cal 0.1012,-0.5"
  bench lab
  bench nominal
  printf 'Fluke 8846A\n1234567\n0.001\n0.0001\n' > "$work/readings.txt"
  for c in 8000 20000 32000 44000; do
    awk -v c=$c 'BEGIN { mv = 0.2525 * c - 30; printf "%.6f\n%.8f\n", mv / 1000, mv / 100 / 1000 }' >> "$work/readings.txt"
  done
  (cd "$work" && emu $errors --load-ohm 100 -- "$railcut" calibrate --bench lab --codes 8000,20000,32000,44000 \
    --readings readings.txt) > "$work/out" 2>&1 || { cat "$work/out"; fail "calibrate failed"; }
  b=$work/benches/lab.ini
  near "$(key "$b" cal.dac gain)" 0.2525 0.0000001 || { cat "$b"; fail "DAC gain not recovered"; }
  near "$(key "$b" cal.dac offset)" -30 0.001 || { cat "$b"; fail "DAC offset not recovered"; }
  # The ADCs truncate: codes are within one of the value's, so the fit is
  # within a code's worth of the true line.
  near "$(key "$b" cal.rail_v gain)" 0.249 0.0001 || { cat "$b"; fail "rail ADC gain not recovered"; }
  near "$(key "$b" cal.rail_v offset)" 12 0.5 || { cat "$b"; fail "rail ADC offset not recovered"; }
  near "$(key "$b" cal.rail_a gain)" 0.1012 0.0005 || { cat "$b"; fail "current ADC gain not recovered"; }
  near "$(key "$b" cal.rail_a offset)" -0.5 0.1 || { cat "$b"; fail "current ADC offset not recovered"; }
  [ "$(key "$b" cal.dac serial)" = 1234567 ] || fail "instrument serial not stored"
  [ "$(key "$b" cal.rail_v date)" = "$(date -u +%Y-%m-%d)" ] || fail "calibration not dated today"
  # A run with the calibration sets 12 V through the DAC's and reads it back
  # through the ADC's; without one the nominal conversion is 90 mV off (the
  # DAC) and then 36 mV off (the ADC).
  for b in lab nominal; do
    (cd "$work" && emu $errors -- "$railcut" run "$short" --backend ftdi --bench $b -q --observe 1s \
      --trace $b.rct --json $b.json) > "$work/out" 2>&1 || { cat "$work/out"; fail "run on bench $b failed"; }
    "$railcut" export "$work/$b.rct" -o "$work/$b.csv" > /dev/null 2>&1 || fail "export $b"
  done
  v=$(rail_at "$work/lab.csv" 1.500000)
  near "$v" 12.000 0.001 || fail "calibrated run measured $v V, not 12.000 V"
  v=$(rail_at "$work/nominal.csv" 1.500000)
  near "$v" 12.126 0.002 || fail "uncalibrated run measured $v V, not the nominal 12.126 V"
  "$railcut" info "$work/lab.rct" --params > "$work/params" 2>&1
  grep -q "cal.rail_v.gain *$(key "$work/benches/lab.ini" cal.rail_v gain)\$" "$work/params" || { cat "$work/params"; fail "no calibration in the trace header"; }
  grep -q "cal.rail_v.age_days *0\$" "$work/params" || fail "no calibration age in the trace header"
  u=$(key "$work/benches/lab.ini" cal.rail_v uncertainty)
  grep -q "\"rail_v_uncertainty_mv\":[[:space:]]*$u" "$work/lab.json" || { cat "$work/lab.json"; fail "no rail uncertainty in the JSON report"; }
  grep -q '"rail_v_uncertainty_mv":[[:space:]]*null' "$work/nominal.json" || fail "uncalibrated bench not null in the JSON report"
  "$railcut" analyze "$work/nominal.rct" 2>&1 | grep -q "calibration: rail volts uncalibrated, current uncalibrated" \
    || fail "uncalibrated bench not said in the text report"
  "$railcut" analyze "$work/lab.rct" 2>&1 | grep -q "calibration: rail volts +/- 1 mV" \
    || fail "calibration uncertainty not in the text report"
  ;;
uart)
  bench uart "[alert]" "pin = no" "uart_pattern = ^ALERT AD1"
  bench pin
  "$railcut" run "$ad1" -q --trace "$work/sim.rct" > /dev/null 2>&1
  "$railcut" info "$work/sim.rct" --events | grep ' ad1 ' > "$work/sim.ad1"
  grep -q '203.011774 s  ad1 *ch-model' "$work/sim.ad1" || { cat "$work/sim.ad1"; fail "sim AD1 moved"; }
  for b in uart pin; do
    (cd "$work" && "$wrapper" "$emu" --step-us 200000 -- "$railcut" run "$ad1" --backend ftdi --bench $b -q \
      --trace $b.rct) > "$work/out" 2>&1
    "$railcut" info "$work/$b.rct" --events | grep ' ad1 ' > "$work/$b.ad1"
  done
  # One wait ended before it: one microsecond later than the sim's.
  [ "$(cat "$work/uart.ad1")" = "        203.011775 s  ad1            uart:^ALERT AD1" ] \
    || { cat "$work/uart.ad1"; fail "AD1 from the UART pattern not at the sim's time"; }
  [ "$(cat "$work/pin.ad1")" = "        203.011775 s  ad1            pin" ] \
    || { cat "$work/pin.ad1"; fail "AD1 from the alert pin not at the sim's time"; }
  ;;
suite)
  bench uart "[alert]" "pin = no" "uart_pattern = ^ALERT AD1"
  cp "$ad1" "$work/ad1.rail"
  printf 'suite hw\nbackend ftdi\ncase outage\n    profile "ad1.rail"\n    expect verdict=fail mp102a.esme=fail\nend\n' > "$work/hw.suite"
  (cd "$work" && "$wrapper" "$emu" --step-us 200000 -- "$railcut" suite hw.suite --bench uart -q \
    --trace-dir traces --json hw.json) > "$work/out" 2>&1 || { cat "$work/out"; fail "suite --bench failed"; }
  "$railcut" info "$work/traces/outage.rct" --events | grep -q '203.011775 s  ad1 *uart:^ALERT AD1' \
    || fail "the suite case did not take AD1 from the bench's UART pattern"
  "$railcut" info "$work/traces/outage.rct" --params | grep -q 'cal.bench *uart$' || fail "no bench in the case's trace"
  (cd "$work" && "$railcut" suite hw.suite --bench nowhere -q --trace-dir t2) > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 2 ] || { cat "$work/out"; fail "a missing bench: exit $rc, not 2"; }
  grep -q "nowhere.ini" "$work/out" || { cat "$work/out"; fail "a missing bench not named"; }
  ;;
sigint)
  emu --sigint-at 5000000 --status-out "$work/status" -- "$railcut" run "$fixtures/profiles/ota-reboot.rail" \
    --backend ftdi -q --trace "$work/i.rct" > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 3 ] || { cat "$work/out"; fail "Ctrl-C: exit $rc, not 3"; }
  grep -q "stopped by the user; trace finalised" "$work/out" || { cat "$work/out"; fail "Ctrl-C: no message"; }
  "$railcut" info "$work/i.rct" --events > "$work/ev" || fail "Ctrl-C: railcut info cannot read the trace"
  grep -q "rail_restore" "$work/ev" || fail "Ctrl-C: the rail was never on"
  tail -1 "$work/ev" | grep -q "run_end *1$" || { cat "$work/ev"; fail "Ctrl-C: trace not ended as stopped"; }
  [ "$(cat "$work/status")" = "state 1 rail off ac_lost off dac 0" ] \
    || { cat "$work/status"; fail "Ctrl-C: the gateware is not in its safe state"; }
  ;;
limits)
  bench safe "[safe]" "rail = on" "rail_voltage = 5V"
  bench low "[limits]" "max_rail = 11V"
  (cd "$work" && emu --sigint-at 5000000 --status-out status -- "$railcut" run "$fixtures/profiles/ota-reboot.rail" \
    --backend ftdi --bench safe -q --trace s.rct) > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 3 ] || { cat "$work/out"; fail "safe state: exit $rc, not 3"; }
  # 5 V through the nominal DAC (0.25 mV per code) is code 20000.
  [ "$(cat "$work/status")" = "state 1 rail on ac_lost off dac 20000" ] \
    || { cat "$work/status"; fail "the bench's safe state was not applied"; }
  (cd "$work" && emu --status-out status -- "$railcut" run "$short" --backend ftdi --bench low -q --trace l.rct) \
    > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 3 ] || { cat "$work/out"; fail "over-voltage: exit $rc, not 3"; }
  grep -q "the gateware reported an over-voltage trip" "$work/out" || { cat "$work/out"; fail "over-voltage: no message"; }
  [ "$(cat "$work/status")" = "state 5 rail off ac_lost off dac 0" ] \
    || { cat "$work/status"; fail "over-voltage: the gateware is not tripped with the rail off"; }
  ;;
flash)
  command -v iceprog > /dev/null || { echo "SKIP: iceprog (fpga-icestorm) is not installed"; exit 77; }
  bench lab
  # A small stand-in bitstream (preamble, then 2000 bytes): iceprog takes
  # about a second per kilobyte of page writes through the emulated MPSSE.
  (printf '\377\000railcut emu\000\377\176\252\231\176'; head -c 2000 /dev/urandom) > "$work/gw.bin"
  size=$(wc -c < "$work/gw.bin")
  (cd "$work" && "$wrapper" "$emu" --board-id 1 --flash-out flash.img -- "$railcut" flash gw.bin --bench lab) \
    > "$work/out" 2> "$work/err" || { tail -5 "$work/err"; fail "flash failed"; }
  grep -q "VERIFY OK" "$work/err" || fail "iceprog did not verify the write"
  cmp -n "$size" "$work/gw.bin" "$work/flash.img" || fail "the flash does not hold the bitstream"
  [ "$(wc -c < "$work/flash.img")" -eq 65536 ] || fail "iceprog did not erase exactly one 64 KiB block"
  [ "$(tail -c +$((size + 1)) "$work/flash.img" | tr -d '\377' | wc -c)" -eq 0 ] || fail "the rest of the block is not erased"
  grep -q "^gateware: protocol 1.0, version 1.0.0, board icebreaker (1)$" "$work/out" || { cat "$work/out"; fail "no identity"; }
  (cd "$work" && "$wrapper" "$emu" --board-id 2 -- "$railcut" flash gw.bin --bench lab) > "$work/out" 2> "$work/err"
  rc=$?
  [ $rc -eq 3 ] || fail "a gateware for another board: exit $rc, not 3"
  grep -q "the gateware on bench lab is built for board hx8k (2), the bench is icebreaker" "$work/err" \
    || { tail -3 "$work/err"; fail "no clear message for another board"; }
  (cd "$work" && "$wrapper" "$emu" --board-id 1 --proto-major 2 -- "$railcut" flash gw.bin --bench lab) > "$work/out" 2> "$work/err"
  rc=$?
  [ $rc -eq 3 ] || fail "a gateware of another protocol: exit $rc, not 3"
  grep -q "did not identify itself: ftdi: the gateware speaks link protocol 2.0" "$work/err" \
    || { tail -3 "$work/err"; fail "no clear message for another protocol"; }
  ;;
*) fail "unknown mode $mode" ;;
esac
rm -rf "$work"
echo "PASS: emu.$mode"
