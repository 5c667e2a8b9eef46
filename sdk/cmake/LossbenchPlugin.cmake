# lossbench_add_plugin(<name> <source>...)
# Builds <name>.so, a module the lossbench host loads. Symbols are hidden so that the only export
# is the entry symbol: two plugins loaded into one host never see each other's registries.
function(lossbench_add_plugin name)
  if(NOT ARGN)
    message(FATAL_ERROR "lossbench_add_plugin(${name}): no source files given")
  endif()
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE lossbench::sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()
