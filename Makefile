# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD_DIR ?= build/release
TEST_BUILD_DIR ?= build/asan

.PHONY: demo test deps build build-test bench format clean

deps:
	@scripts/install_deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	scripts/run_demo.sh $(BUILD_DIR)

# Every tier (unit, pg, e2e) under AddressSanitizer + UndefinedBehaviorSanitizer.
build-test: deps
	cmake -S . -B $(TEST_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCARELISTEN_SANITIZE="address;undefined"
	cmake --build $(TEST_BUILD_DIR) -j $(JOBS)

test: build-test
	cd $(TEST_BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Benchmarks need an optimised build without sanitizers; see docs/benchmarks.md.
bench: build
	$(BUILD_DIR)/tests/bench/carelisten_bench
	$(BUILD_DIR)/tests/bench/flow_bench --items 20000

format:
	find common nlp connectors crm daemon tests \( -name "*.hpp" -o -name "*.cpp" \) -not -path "*layering_fixture*" | xargs clang-format -i

clean:
	rm -rf build
