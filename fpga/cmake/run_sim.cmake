# Compiles one self-checking testbench with iverilog, runs it with vvp and
# fails unless the output says PASS and never says FAIL.
# Inputs: IVERILOG, VVP, TB (testbench file), SOURCES (;-list), OUT (work dir),
# SIM_DIR and RTL_DIR (include directories),
# NAME (test name), ARGS (;-list of vvp plusargs, optional).
set(vvp_file "${OUT}/${NAME}.vvp")
execute_process(
  COMMAND "${IVERILOG}" -g2012 -Wall -Wno-timescale -I "${SIM_DIR}" -I "${RTL_DIR}" -o "${vvp_file}" "${TB}" ${SOURCES}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "iverilog failed:\n${out}\n${err}")
endif()
execute_process(
  COMMAND "${VVP}" -n "${vvp_file}" ${ARGS}
  WORKING_DIRECTORY "${OUT}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "vvp exited with ${rc}")
endif()
if(out MATCHES "FAIL")
  message(FATAL_ERROR "testbench reported FAIL")
endif()
if(NOT out MATCHES "PASS")
  message(FATAL_ERROR "testbench did not report PASS")
endif()
