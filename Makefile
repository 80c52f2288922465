# The proxy lab: top-level build.
#
#   make            build ./proxy_server ./dummy_server ./simulate_client,
#                   ./harness and ./fault_link
#   make test       unit tests (CUnit; the simulator's in their own runner),
#                   integration tests, scenario suite
#   make mutants    every bug of tests/bugs/ must fail the scenario suite
#                   (tests/mutants.sh; JOBS=, default 2)
#   make fuzz       libFuzzer targets (clang) under build/fuzz, each run for
#                   FUZZ_SECONDS (default 30); see fuzz/fuzz_support.h
#   make grader-kit the labs' autograders for Gradescope, GitHub Classroom
#                   and PrairieLearn in build/grader-kit (docs/autograders.md)
#   make clean      remove build/ and the binaries
#
# Objects go under build/, one folder per source folder; every module of a
# program except its main.c is also linked into the unit-test runner, so
# module names are unique across the whole tree.

CC       ?= cc
CFLAGS   ?= -O2 -g
WARNINGS  = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla
CPPFLAGS += -Icommon -D_GNU_SOURCE -MMD -MP
STD       = -std=c11
LDLIBS   += -lpthread -lm
BUILD    ?= build
BIN      ?= .

ALL_CFLAGS = $(STD) $(WARNINGS) $(CFLAGS)

# $(call require,WHAT,CHECK,PACKAGE), a recipe line: when the shell command
# CHECK fails, WHAT is missing; run as root with apt-get at hand, make
# installs the Debian package PACKAGE and goes on, else it says how to and
# stops (exit 2). So `make test` on a fresh machine needs nothing else.
require = @if ! { $(2); } >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "$(1) is missing: installing $(3)"; \
	    { apt-get install -y $(3) || \
	      { apt-get update && apt-get install -y $(3); }; } >/dev/null; \
	    { $(2); } >/dev/null 2>&1 || \
	      { echo "$(1) is still missing after installing $(3)"; exit 2; }; \
	  else \
	    echo "$(1) is missing. Install it with:"; \
	    echo "    sudo apt-get install $(3)"; exit 2; \
	  fi; \
	fi

COMMON_SRC    := $(sort $(wildcard common/*.c))
PROXY_SRC     := $(sort $(wildcard proxy/*.c))
BACKEND_SRC   := $(sort $(wildcard backend/*.c))
SIMCLIENT_SRC := $(sort $(wildcard simclient/*.c))
HARNESS_SRC   := $(sort $(wildcard harness_src/*.c))
TEST_SRC      := $(sort $(wildcard tests/*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
not_main = $(filter-out %/main.c,$(1))

COMMON_OBJ    := $(call obj,$(COMMON_SRC))
PROXY_OBJ     := $(call obj,$(PROXY_SRC))
BACKEND_OBJ   := $(call obj,$(BACKEND_SRC))
SIMCLIENT_OBJ := $(call obj,$(SIMCLIENT_SRC))
HARNESS_OBJ   := $(call obj,$(HARNESS_SRC))
TEST_OBJ      := $(call obj,$(TEST_SRC)) \
                 $(call obj,$(call not_main,$(PROXY_SRC) $(BACKEND_SRC) \
                                            $(SIMCLIENT_SRC) $(HARNESS_SRC)))

PROGRAMS = $(BIN)/proxy_server $(BIN)/dummy_server $(BIN)/simulate_client \
           $(BIN)/harness $(BIN)/fault_link
# Beside the harness, which preloads it into the proxy (harness_src/audit.h).
AUDIT_LIB = $(BIN)/thread_audit.so

.PHONY: all test unit sim-unit integration scenarios clean cunit python3 chromium bench-tools asan tsan \
        fuzz fuzz-clang coverage \
        valgrind bench sweep install labs-prove mutants grader-kit
all: $(PROGRAMS) $(AUDIT_LIB) $(BUILD)/sim_tool

$(BIN)/proxy_server: $(PROXY_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/dummy_server: $(BACKEND_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/simulate_client: $(SIMCLIENT_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# fault_link relays with the proxy's relay and paces and delays with the
# backend's pacer and delay.
FAULTLINK_SRC := $(sort $(wildcard faultlink/*.c))
FAULTLINK_OBJ := $(call obj,$(FAULTLINK_SRC) proxy/relay.c \
                   backend/dummy_delay.c backend/dummy_pacer.c)
TEST_OBJ      += $(call obj,$(call not_main,$(FAULTLINK_SRC)))

$(BIN)/fault_link: $(FAULTLINK_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The harness checks scenario options with the programs' own option tables.
HARNESS_SHARED_OBJ := $(call obj,proxy/config_options.c backend/dummy_options.c \
                        backend/dummy_control.c faultlink/faultlink_fault.c \
                        simclient/simclient_options.c \
                        simclient/simclient_payload.c)

$(BIN)/harness: $(HARNESS_OBJ) $(HARNESS_SHARED_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Preloaded into the proxy by the harness to see every thread it creates
# (harness_src/audit.h). No CFLAGS: it stays free of sanitizers.
$(AUDIT_LIB): harness_src/preload/thread_audit.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARNINGS) -O2 -fPIC -shared -D_GNU_SOURCE -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The simulator (sim/, docs/simulation.md): a library over the proxy's own
# balancer, compiled a second time with room for 1,024 backends and every
# public name prefixed sim_ (sim/sim_balancer.h), so that one program may
# link both. build/sim_tool draws the figures of the docs; its tests
# (tests/sim/, the checks against queueing theory among them) have their
# own runner, since the balancer they link is not the proxy's.
SIM_SRC      := $(filter-out sim/main.c,$(sort $(wildcard sim/*.c)))
SIM_OBJ      := $(call obj,$(SIM_SRC)) $(BUILD)/sim/balancer.o
SIM_TEST_SRC := $(sort $(wildcard tests/sim/*.c))

$(BUILD)/sim/balancer.o: proxy/balancer.c sim/sim_balancer.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Iproxy $(ALL_CFLAGS) -include sim/sim_balancer.h \
	  -c -o $@ $<

$(call obj,$(SIM_SRC) sim/main.c): CPPFLAGS += -Iproxy -Isim
# harness --sim runs the simulator (harness_src/simrun.c).
$(BUILD)/harness_src/simrun.o: CPPFLAGS += -Isim
$(BIN)/harness: $(SIM_OBJ)

$(BUILD)/sim_tool: $(BUILD)/sim/main.o $(SIM_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/sim_test_runner: $(call obj,$(SIM_TEST_SRC)) $(BUILD)/tests/test_main.o \
                          $(SIM_OBJ) $(COMMON_OBJ) | cunit
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ -lcunit $(LDLIBS)

$(call obj,$(SIM_TEST_SRC)): | cunit
$(call obj,$(SIM_TEST_SRC)): CPPFLAGS += -Iproxy -Isim -Itests

sim-unit: $(BUILD)/sim_test_runner
	$(BUILD)/sim_test_runner

# The unit tests need CUnit.
CUNIT_HEADER = /usr/include/CUnit/Basic.h
cunit:
	$(call require,CUnit,test -f $(CUNIT_HEADER),libcunit1-dev)

# --wrap=realloc: tests/alloc_fail.c makes realloc fail on demand.
$(BUILD)/test_runner: $(TEST_OBJ) $(SIM_OBJ) $(COMMON_OBJ) | cunit
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wl,--wrap=realloc -o $@ $^ -lcunit $(LDLIBS)

$(call obj,$(TEST_SRC)): | cunit
$(call obj,$(TEST_SRC)): CPPFLAGS += -Iproxy -Ibackend -Isimclient -Iharness_src

unit: $(BUILD)/test_runner
	$(BUILD)/test_runner

# The integration tests' hostile peers are small python3 scripts.
python3:
	$(call require,python3,command -v python3,python3)

# One of them renders the harness' HTML report in headless Chromium.
chromium:
	$(call require,chromium,command -v chromium,chromium)

# And one runs bench/sweep.py on one cell (test_bench.sh).
bench-tools:
	$(call require,nginx haproxy wrk,PATH=$$PATH:/usr/sbin; command -v nginx && command -v haproxy && command -v wrk,nginx-light haproxy wrk)

integration: $(PROGRAMS) $(AUDIT_LIB) | python3 chromium bench-tools
	BIN_DIR=$(BIN) tests/integration/run.sh

# scenarios/sim/: the simulator's scenarios, in virtual time (seconds).
scenarios: $(PROGRAMS) $(AUDIT_LIB)
	$(BIN)/harness --bin $(BIN) scenarios/
	$(BIN)/harness --sim scenarios/sim/

test: unit sim-unit integration scenarios

# The same tests on instrumented builds (objects and binaries in build/asan
# and build/tsan); the first sanitizer report fails the run.
SAN_CFLAGS = -O1 -g -fno-omit-frame-pointer
asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=66 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=66 \
	$(MAKE) BUILD=build/asan BIN=build/asan/bin \
	  CFLAGS="$(SAN_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all" test
tsan:
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 \
	$(MAKE) BUILD=build/tsan BIN=build/tsan/bin \
	  CFLAGS="$(SAN_CFLAGS) -fsanitize=thread" test

# The same tests with every program under valgrind's memcheck.
valgrind:
	$(call require,valgrind,command -v valgrind,valgrind)
	$(MAKE) BUILD=build/valgrind/obj BIN=build/valgrind/real CFLAGS="-O1 -g" \
	  build/valgrind/real/proxy_server build/valgrind/real/dummy_server \
	  build/valgrind/real/simulate_client build/valgrind/real/harness \
	  build/valgrind/real/fault_link build/valgrind/obj/test_runner
	tests/valgrind/run.sh build/valgrind/real build/valgrind/obj/test_runner

# Line, function and branch coverage of the whole test suite (lcov).
COVERAGE_DIRS = '*/proxy/*' '*/backend/*' '*/simclient/*' '*/harness_src/*' \
                '*/faultlink/*' '*/common/*' '*/sim/*'
LCOV = lcov --quiet --rc lcov_branch_coverage=1
coverage:
	$(call require,lcov,command -v lcov,lcov)
	rm -rf build/coverage coverage
	$(MAKE) BUILD=build/coverage BIN=build/coverage/bin \
	  CFLAGS="-O0 -g --coverage -fprofile-update=atomic" \
	  LDFLAGS="--coverage" test
	$(LCOV) --capture --directory build/coverage --output-file build/coverage/all.info
	$(LCOV) --extract build/coverage/all.info $(COVERAGE_DIRS) \
	  --output-file build/coverage/project.info
	genhtml --quiet --branch-coverage --output-directory coverage/html \
	  build/coverage/project.info
	@echo "coverage report: coverage/html/index.html"
	$(LCOV) --summary build/coverage/project.info

# Fuzzing with clang's libFuzzer, ASan and UBSan: one target per parser in
# fuzz/, built into build/fuzz/fuzz_NAME, then run for FUZZ_SECONDS each,
# one after the other, on a copy of its seeds (build/fuzz/corpus-NAME, which
# grows from run to run; fuzz/corpus/ stays as committed). A crash, leak,
# sanitizer report or timeout fails the run and leaves the input in
# build/fuzz/NAME-crash-*; the fuzzer's output is in build/fuzz/NAME.log.
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 30
FUZZ_BUILD     = build/fuzz
FUZZ_TARGETS   = scenario config args logfmt
FUZZ_CFLAGS    = -g -O1 -fsanitize=fuzzer,address,undefined \
                 -fno-sanitize-recover=all $(STD) $(WARNINGS)
FUZZ_CPPFLAGS  = -Icommon -Iproxy -Iharness_src -Ifuzz -D_GNU_SOURCE -MMD -MP
FUZZ_LDFLAGS   = -Wl,--wrap=getaddrinfo -Wl,--wrap=fopen
FUZZ_RUN_FLAGS = -max_total_time=$(FUZZ_SECONDS) -timeout=5 \
                 -rss_limit_mb=2048 -print_final_stats=1

FUZZ_CONFIG_SRC = fuzz/fuzz_config_check.c proxy/config.c proxy/balancer.c \
                  common/file.c \
                  proxy/config_options.c common/options.c common/process.c \
                  common/log.c common/clock.c common/net.c common/parse.c \
                  common/log_sink.c common/rng.c
fuzz_src_scenario = harness_src/scenario.c harness_src/scenario_sim.c \
                    harness_src/chaos.c \
                    proxy/config_options.c backend/dummy_options.c \
                    backend/dummy_control.c faultlink/faultlink_fault.c \
                    simclient/simclient_options.c \
                    simclient/simclient_payload.c common/options.c common/parse.c \
                    common/process.c common/net.c common/log.c common/clock.c \
                    common/log_sink.c common/rng.c common/file.c
fuzz_src_config   = $(FUZZ_CONFIG_SRC)
fuzz_src_args     = $(FUZZ_CONFIG_SRC)
fuzz_src_logfmt   = common/logfmt.c harness_src/trace.c
FUZZ_BINS = $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
fuzz_obj  = $(patsubst %.c,$(FUZZ_BUILD)/%.o,fuzz/fuzz_$(1).c \
              fuzz/fuzz_support.c $(fuzz_src_$(1)))

fuzz-clang:
	$(call require,$(FUZZ_CC) (libFuzzer),command -v $(FUZZ_CC),clang)

$(FUZZ_BUILD)/%.o: %.c | fuzz-clang
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

.SECONDEXPANSION:
$(FUZZ_BINS): $(FUZZ_BUILD)/fuzz_%: $$(call fuzz_obj,$$*)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LDFLAGS) -o $@ $^ $(LDLIBS)

fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	  corpus=$(FUZZ_BUILD)/corpus-$$t; dict=fuzz/dict/$$t.dict; \
	  mkdir -p $$corpus && cp fuzz/corpus/$$t/* $$corpus/ || exit 1; \
	  echo "fuzz_$$t: $(FUZZ_SECONDS)s (log: $(FUZZ_BUILD)/$$t.log)"; \
	  if ! $(FUZZ_BUILD)/fuzz_$$t $(FUZZ_RUN_FLAGS) \
	       $$( [ -f $$dict ] && echo -dict=$$dict ) \
	       -artifact_prefix=$(FUZZ_BUILD)/$$t- $$corpus \
	       </dev/null >$(FUZZ_BUILD)/$$t.log 2>&1; then \
	    tail -40 $(FUZZ_BUILD)/$$t.log; \
	    echo "fuzz_$$t FAILED: the input is in $(FUZZ_BUILD)/$$t-*"; exit 1; \
	  fi; \
	  grep -E '^#[0-9]+[[:space:]]+DONE|^Done' $(FUZZ_BUILD)/$$t.log | sed 's/^/    /'; \
	done

# proxy_server against HAProxy and against no proxy: bench/compare.sh,
# results in docs/performance.md (ROUNDS=, DURATION=... are passed on).
bench: all
	bench/compare.sh

# The sweep: ours against HAProxy over sizes, connections, keep-alive and
# close, backend processes and pinning (bench/sweep.py --help; SWEEP= adds
# its options). The full grid takes about 30 minutes.
sweep: all
	bench/sweep.py $(SWEEP)

# The bug catalogue (tests/bugs/*.patch): each bug is applied to a scratch
# copy, built, and run through the scenario suite, which must catch it;
# prints the table of docs/testing.md ("make mutants").
JOBS ?= 2
mutants: all
	tests/mutants.sh -j $(JOBS)

# Grades every lab on the reference, its deliberately broken build, its
# cheats, the catalogue bugs that touch its functions and its blank
# starter, checks each score and every starter for leaks, then runs every
# platform's package (docs/instructor.md; about 22 min).
labs-prove: all
	labs/prove.sh

# The grading platforms' packages of the labs (Gradescope, GitHub
# Classroom, PrairieLearn) in GRADER_KIT: labs/kit/build.sh,
# docs/autograders.md.
GRADER_KIT ?= build/grader-kit
grader-kit: | python3
	labs/kit/build.sh $(GRADER_KIT)

# make install [PREFIX=/usr/local] [DESTDIR=] [BIN=.]: the programs
# (built into BIN) and their manual pages.
PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf build coverage proxy_server dummy_server simulate_client harness \
	  fault_link thread_audit.so

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
