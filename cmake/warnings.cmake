# Warnings are errors, everywhere.
add_compile_options(
  -Wall -Wextra -Werror -Wshadow -Wcast-qual -Wformat=2 -Wundef -Wimplicit-fallthrough
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor> $<$<COMPILE_LANGUAGE:CXX>:-Wmissing-declarations>)
# GCC 12 reports bogus -Wrestrict overlaps inside std::string at -O3 (GCC PR 105329).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  add_compile_options(-Wno-restrict)
endif()
