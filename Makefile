# The two commands of the README. Both install missing Debian packages first.
#   make demo   build Release, run the default sweep and write its report (results/quick.html)
#   make test   build Release and run every test through ctest (installing what tests use too)
#   make install PREFIX=~/.local   build, then install lossbench, its plugins, datasets, sweeps
#                                  and the plugin SDK under PREFIX (default /usr/local)
# and for contributors:
#   make format        clang-format every C++ and C file in place
#   make format-check  fail, naming the files, where clang-format would change something
BUILD ?= build
JOBS ?= $(shell nproc)
SWEEP ?= sweeps/quick.ini
DB ?= results/quick.db
# NATIVE=OFF: a portable binary (baseline x86-64) instead of one for this machine's CPU.
NATIVE ?= ON
PREFIX ?= /usr/local

.PHONY: deps configure build demo test install clean format format-check

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DLOSSBENCH_NATIVE=$(NATIVE) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/lossbench run --config $(SWEEP) --db $(DB)
	$(BUILD)/lossbench report $(DB)

test: build
	@scripts/install-deps.sh --test
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)

format:
	@scripts/format.sh

format-check:
	@scripts/format.sh --check
