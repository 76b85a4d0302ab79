# The front door. `make` builds; `make demo` and `make test` are the README's two commands.
# Every target first installs the Debian packages that are missing (scripts/install-deps.sh).

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
export WINEDEBUG := -all
export WINEPREFIX ?= $(CURDIR)/build-mingw/wineprefix

.PHONY: all build deps demo test test-release test-asan test-mingw format format-check bench clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

demo: build
	@./scripts/demo.sh

test: deps format-check test-release test-asan test-mingw
	@echo "make test: all suites passed"

test-release: build
	@ctest --preset release -j $(JOBS)

test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j $(JOBS)

# Wine makes its prefix on first use: done here first, alone, so that the tests ctest starts
# in parallel do not race to create it (one once failed with "wine: chdir to
# /tmp/wine-.../server-...: No such file or directory" on a fresh clone).
test-mingw: deps
	@cmake --preset mingw >/dev/null
	@cmake --build --preset mingw -j $(JOBS)
	@wineboot --init >/dev/null 2>&1; wineserver --wait
	@ctest --preset mingw -j $(JOBS)

bench: build
	@./build/bin/interp_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@./build/bin/runtime_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
	  --benchmark_enable_random_interleaving=true
	@./bench/run_prog_bench.sh
	@./build/bin/xdp_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@./build/bin/verifier_bench --corpus-report

FORMAT_FILES = $(shell git ls-files '*.cpp' '*.h' '*.inc' 2>/dev/null)

format:
	@clang-format -i $(FORMAT_FILES)

format-check: deps
	@clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	@rm -rf build build-asan build-mingw
