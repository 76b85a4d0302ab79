# Warnings are errors, everywhere.
add_compile_options(
  -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wcast-qual -Wformat=2 -Wundef
  -Wmissing-declarations -Wimplicit-fallthrough)
