# Built from src/CMakeLists.txt: the libbpf-compatible library.

set(XBPF_LIBBPF_SOURCES
  library.cpp resources.cpp map_access.cpp local_context.cpp pins.cpp
  object_open.cpp object_elf.cpp object_load.cpp
  api_library.cpp api_map_fd.cpp api_map_batch.cpp api_prog_fd.cpp api_objects_fd.cpp
  api_object.cpp api_program.cpp api_map.cpp
  btf.cpp btf_dump.cpp api_btf.cpp api_btf_write.cpp
  links.cpp skeleton.cpp attach_kernel.cpp ring_buffer.cpp perf_buffer.cpp
  api_probe.cpp)
list(TRANSFORM XBPF_LIBBPF_SOURCES PREPEND ${CMAKE_CURRENT_LIST_DIR}/)

# The ABI headers. On Linux they are the system's; a Windows build sees only Debian's
# libbpf-dev and uapi header folders, through links in the build tree.
set(XBPF_LIBBPF_ABI_INCLUDE "")
if(CMAKE_CROSSCOMPILING)
  set(XBPF_LIBBPF_ABI_INCLUDE ${CMAKE_BINARY_DIR}/libbpf-abi-include)
  file(MAKE_DIRECTORY ${XBPF_LIBBPF_ABI_INCLUDE})
  foreach(pair "bpf:/usr/include/bpf" "linux:/usr/include/linux" "asm-generic:/usr/include/asm-generic"
               "asm:/usr/include/x86_64-linux-gnu/asm")
    string(REPLACE ":" ";" pair ${pair})
    list(GET pair 0 name)
    list(GET pair 1 target)
    file(CREATE_LINK ${target} ${XBPF_LIBBPF_ABI_INCLUDE}/${name} SYMBOLIC)
  endforeach()
endif()

# The version script (Linux) and export list (Windows), from symbols.def.
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/symbols.def xbpf_symbol_rows REGEX "^XBPF_LIBBPF_SYMBOL")
set(xbpf_versions "")
foreach(row ${xbpf_symbol_rows})
  string(REGEX MATCH "XBPF_LIBBPF_SYMBOL\\(([A-Z0-9_.]+), ([a-z0-9_]+)\\)" matched "${row}")
  set(version ${CMAKE_MATCH_1})
  list(APPEND xbpf_symbols_${version} ${CMAKE_MATCH_2})
  list(APPEND xbpf_all_symbols ${CMAKE_MATCH_2})
  if(NOT version IN_LIST xbpf_versions)
    list(APPEND xbpf_versions ${version})
  endif()
endforeach()
set(version_script "/* Generated from src/libbpf/symbols.def: libbpf 1.1's symbol versions. */\n")
set(previous "")
foreach(version ${xbpf_versions})
  string(APPEND version_script "${version} {\n\tglobal:\n")
  foreach(symbol ${xbpf_symbols_${version}})
    string(APPEND version_script "\t\t${symbol};\n")
  endforeach()
  # C++ symbols (the standard library's inline functions) stay inside; the interposers, named
  # by no node, stay global and unversioned.
  if(NOT previous)
    string(APPEND version_script "\tlocal:\n\t\t_Z*;\n")
  endif()
  string(APPEND version_script "} ${previous};\n")
  set(previous ${version})
endforeach()
file(WRITE ${CMAKE_BINARY_DIR}/libbpf.map.new "${version_script}")
file(COPY_FILE ${CMAKE_BINARY_DIR}/libbpf.map.new ${CMAKE_BINARY_DIR}/libbpf.map ONLY_IF_DIFFERENT)
list(JOIN xbpf_all_symbols "\n  " exports)
file(WRITE ${CMAKE_BINARY_DIR}/libbpf.def.new "LIBRARY libbpf\nEXPORTS\n  ${exports}\n")
file(COPY_FILE ${CMAKE_BINARY_DIR}/libbpf.def.new ${CMAKE_BINARY_DIR}/libbpf.def ONLY_IF_DIFFERENT)

add_library(xbpf_libbpf_objects OBJECT ${XBPF_LIBBPF_SOURCES})
target_link_libraries(xbpf_libbpf_objects PUBLIC xbpf_runtime xbpf_hooks_xdp xbpf_verifier)
set_target_properties(xbpf_libbpf_objects PROPERTIES CXX_VISIBILITY_PRESET hidden
                      POSITION_INDEPENDENT_CODE ON)
if(XBPF_LIBBPF_ABI_INCLUDE)
  target_include_directories(xbpf_libbpf_objects SYSTEM PUBLIC ${XBPF_LIBBPF_ABI_INCLUDE})
endif()

# For xbpf's tools and tests that call the library from C++.
add_library(xbpf_libbpf STATIC $<TARGET_OBJECTS:xbpf_libbpf_objects>)
target_link_libraries(xbpf_libbpf PUBLIC xbpf_libbpf_objects)

# For applications: build/lib/libbpf.so.1 (libbpf.dll on Windows).
add_library(xbpf_libbpf_shared SHARED $<TARGET_OBJECTS:xbpf_libbpf_objects>)
target_link_libraries(xbpf_libbpf_shared PRIVATE xbpf_libbpf_objects)
set_target_properties(xbpf_libbpf_shared PROPERTIES
  OUTPUT_NAME bpf
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib
  VERSION 1.1.2 SOVERSION 1
  LINK_DEPENDS "${CMAKE_BINARY_DIR}/libbpf.map;${CMAKE_BINARY_DIR}/libbpf.def")
if(WIN32)
  target_sources(xbpf_libbpf_shared PRIVATE ${CMAKE_BINARY_DIR}/libbpf.def)
  # Until every row of symbols.def is defined, the DLL (which exports them all) is built only
  # when asked for.
  set_target_properties(xbpf_libbpf_shared PROPERTIES EXCLUDE_FROM_ALL ON)
  set_target_properties(xbpf_libbpf_shared PROPERTIES PREFIX "lib")
else()
  target_sources(xbpf_libbpf_shared PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/platform/linux/interpose.cpp)
  # Only the API (versioned by the script) and the interposers (unversioned) are exported: the
  # static libraries' symbols stay inside.
  target_link_options(xbpf_libbpf_shared PRIVATE
    -Wl,--version-script=${CMAKE_BINARY_DIR}/libbpf.map -Wl,--exclude-libs,ALL)
  # Every symbol resolved at link time, except in sanitized builds: clang links the sanitizer
  # runtimes into the executable only, where the library finds them when loaded.
  if(NOT XBPF_SANITIZE)
    target_link_options(xbpf_libbpf_shared PRIVATE -Wl,--no-undefined)
  endif()
endif()
