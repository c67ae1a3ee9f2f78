# Fails unless nextpnr's last (post-route) "Max frequency" line for the
# clock is at least MIN_MHZ. Input: LOG (nextpnr log), MIN_MHZ.
file(STRINGS "${LOG}" lines REGEX "Max frequency for clock")
list(LENGTH lines n)
if(n EQUAL 0)
  message(FATAL_ERROR "${LOG}: no \"Max frequency\" line (did place and route run?)")
endif()
list(GET lines -1 last)
string(REGEX MATCH "([0-9]+\\.[0-9]+) MHz" _ "${last}")
set(mhz "${CMAKE_MATCH_1}")
message("${last}")
if(mhz LESS MIN_MHZ)
  message(FATAL_ERROR "fmax ${mhz} MHz is below the required ${MIN_MHZ} MHz")
endif()
