# Turns the page's assets into one C++ header of string constants, so that `lossbench report`
# writes a self-contained page with no file to find at run time.
# usage: cmake -DOUT=report_assets.hpp -DDIR=host/cli/report -P embed.cmake
set(text "#pragma once\n// Generated from host/cli/report/ by embed.cmake at build time: edit those files.\nnamespace lossbench::assets {\n")
foreach(pair "chart_js:chart.min.js" "report_js:report.js" "report_css:report.css")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 name)
  list(GET pair 1 file)
  file(READ "${DIR}/${file}" content)
  string(FIND "${content}" ")lossbench_asset\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${DIR}/${file} holds the raw string delimiter )lossbench_asset\"")
  endif()
  string(APPEND text "inline constexpr const char ${name}[] = R\"lossbench_asset(${content})lossbench_asset\";\n")
endforeach()
string(APPEND text "}  // namespace lossbench::assets\n")
file(WRITE "${OUT}" "${text}")
