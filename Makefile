# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD_DIR ?= build/release
TEST_BUILD_DIR ?= build/asan

.PHONY: demo test deps build build-test bench fuzz format clean deb test-package test-faults

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

# The fault-injection suite at full scale (about 100,000 items, 20 kills, the database down a minute: about
# 10 minutes) on the release build; it prints the table of faults and of items expected/stored/duplicated/lost,
# also written to $(BUILD_DIR)/fault_report_full.md. `make test` runs its short form.
test-faults: build
	cd $(BUILD_DIR) && CARELISTEN_FAULT_SCALE=full ctest -R '^fault_e2e_test$$' --verbose

# The .deb (CPack) from the release build, in $(BUILD_DIR).
deb: build
	cmake --build $(BUILD_DIR) --target deb

# Only the .deb install test (it is part of `make test` too; times in tests/README.md), here on the
# release build, i.e. the package as shipped.
test-package: build
	cd $(BUILD_DIR) && ctest -L package --output-on-failure

# Benchmarks need an optimised build without sanitizers; see docs/benchmarks.md.
# Every benchmark against its reference in one run (BENCH_SCALE=quick for smaller volumes); the summary table is
# printed and written to $(BUILD_DIR)/bench_report.md.
BENCH_SCALE ?= full
bench: build
	tests/bench/run_benchmarks.sh $(BUILD_DIR) $(BENCH_SCALE)

# libFuzzer targets (clang-14, ASan+UBSan), 60 s each on the committed seed corpora.
FUZZ_SECONDS ?= 60
# Every libFuzzer target, without the _fuzz suffix (its seed corpus is tests/fuzz/corpus/<name>).
FUZZ_TARGETS ?= analyzer jsonl_drop_wire link_header rate_limit_headers x_wire reddit_wire mastodon_wire \
	discourse_wire google_reviews_wire facebook_page_wire rss_wire twilio_form mime hl7 mllp survey_answer survey_form \
	config console_request http_listener
fuzz: deps
	CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCARELISTEN_FUZZ=ON -DCARELISTEN_BUILD_TESTS=OFF
	cmake --build build/fuzz -j $(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))
	for target in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$target && cp tests/fuzz/corpus/$$target/* build/fuzz/corpus/$$target/ && \
	  build/fuzz/tests/fuzz/$${target}_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/corpus/$$target || exit 1; \
	done

format:
	find common nlp surveys console connectors crm daemon tests \( -name "*.hpp" -o -name "*.cpp" \) -not -path "*layering_fixture*" | xargs clang-format -i

clean:
	rm -rf build
