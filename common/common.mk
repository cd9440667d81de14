# common.mk - every flag and rule the labs share. A lab's Makefile sets LAB,
# STUDENT (its student .c files), HARNESS (harness .c files linked with the
# student code) and PROGRAMS, then includes this file.
#
#   make            build every program of the lab into $(OUT)
#   make test       run the lab's Check tests under chaos seed 1
#                   (CHAOS_SEED=N replays seed N, CHAOS_SEED=0 runs without chaos)
#   make helgrind   run the race scenario under Helgrind, raw report
#   make bench      one sequential and one concurrent run of the benchmark
#   make coverage   gcov: which lines of the student files the tests reach
#
# The grader builds the lab with these same rules, so what compiles for you
# compiles for the grader.

COMMON_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
ROOT       ?= $(abspath $(COMMON_DIR)/..)
BUILD      ?= $(ROOT)/build
OUT        := $(BUILD)/labs/$(LAB)

CC      ?= cc
CFLAGS  := -std=gnu11 -Wall -Wextra -Werror -pthread -g -O2 -I$(COMMON_DIR) -I. $(EXTRA_CFLAGS)
LDFLAGS := -pthread $(EXTRA_LDFLAGS)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)
LDLIBS  := -lm

COMMON_SRC := $(COMMON_DIR)/errors.c $(COMMON_DIR)/clock.c $(COMMON_DIR)/work.c \
              $(COMMON_DIR)/chaos.c $(COMMON_DIR)/trace.c
COMMON_OBJ := $(patsubst $(COMMON_DIR)/%.c,$(OUT)/common/%.o,$(COMMON_SRC))
STUDENT_OBJ := $(patsubst %.c,$(OUT)/%.o,$(STUDENT))
HARNESS_OBJ := $(patsubst %.c,$(OUT)/%.o,$(HARNESS))

.PHONY: all test helgrind bench clean
.DEFAULT_GOAL := all
all: $(addprefix $(OUT)/,$(PROGRAMS))

$(OUT)/common/%.o: $(COMMON_DIR)/%.c $(wildcard $(COMMON_DIR)/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(OUT)/%.o: %.c $(wildcard *.h) $(COMMON_DIR)/common.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# A program links its own object, the student's code, the harness and common/;
# a test program (tests/check_NAME.c) links Check too. A lab adds a rule only
# for a program that must not link the student's code (its baseline).
$(OUT)/check_%: $(OUT)/tests/check_%.o $(STUDENT_OBJ) $(HARNESS_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(OUT)/%: $(OUT)/%.o $(STUDENT_OBJ) $(HARNESS_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

clean:
	rm -rf $(OUT)

# ---- hidden tests: the instructor's hidden/check_NAME.c, absent from the
# student release (grader/SPEC.md). Each links like a test program and is
# part of `make all` when the folder exists; `make hidden` builds only them.
# The objects stay (not deleted as intermediates): the grader builds the
# hidden programs only after the student's code was built without hidden/,
# so that the student's code is never compiled beside the hidden sources.
HIDDEN_PROGRAMS := $(patsubst hidden/%.c,$(OUT)/%,$(wildcard hidden/check_*.c))
.SECONDARY: $(STUDENT_OBJ) $(HARNESS_OBJ) $(COMMON_OBJ)
.PHONY: hidden
all: $(HIDDEN_PROGRAMS)
hidden: $(HIDDEN_PROGRAMS)
$(HIDDEN_PROGRAMS): $(OUT)/%: $(OUT)/hidden/%.o $(STUDENT_OBJ) $(HARNESS_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# ---- the commands a student types (each names the program it runs) ----
HELGRIND_SUPP := $(ROOT)/grader/helgrind.supp
HELGRIND := valgrind -q --tool=helgrind --error-exitcode=99 \
            $(if $(wildcard $(HELGRIND_SUPP)),--suppressions=$(HELGRIND_SUPP))

# The grader's first seed unless told otherwise (make test CHAOS_SEED=3);
# CHAOS_SEED=0 turns the chaos points off.
CHAOS_SEED ?= 1

test: $(OUT)/$(TEST_PROGRAM)
	CHAOS_SEED=$(CHAOS_SEED) CK_DEFAULT_TIMEOUT=$${CK_DEFAULT_TIMEOUT:-10} $(OUT)/$(TEST_PROGRAM)

helgrind: $(OUT)/$(RACE_PROGRAM)
	$(HELGRIND) $(OUT)/$(RACE_PROGRAM) $(RACE_ARGS)

bench: $(OUT)/$(BENCH_BASELINE) $(OUT)/$(BENCH_PROGRAM)
	$(OUT)/$(BENCH_BASELINE) $(BENCH_ARGS)
	$(OUT)/$(BENCH_PROGRAM) $(BENCH_ARGS)

# ThreadSanitizer build of one program (make tsan/race_scenario): the races
# check's fallback where Valgrind is missing.
tsan/%:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/tsan \
	  EXTRA_CFLAGS="-fsanitize=thread -O1" EXTRA_LDFLAGS=-fsanitize=thread $(BUILD)/tsan/labs/$(LAB)/$*

# AddressSanitizer + UndefinedBehaviorSanitizer build of one program
# (make asan/check_tasks): the memory check. The same warnings as every build;
# -O1 keeps the stacks close to the source. Both runtimes are linked in
# statically: with gcc's shared libubsan beside libasan, UBSan ignores
# log_path= and writes its reports to the program's stderr.
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -g -O1
asan/%:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan EXTRA_CFLAGS="$(ASAN_FLAGS)" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined -static-libasan -static-libubsan" \
	  $(BUILD)/asan/labs/$(LAB)/$*

# Coverage runs the tests in one process (CK_FORK=no): a forked test child
# that fails writes no coverage data (TOOLCHAIN.md). `timeout` stands in for
# Check's per-test timeouts, which fork mode alone provides.
COV_OUT := $(BUILD)/coverage/labs/$(LAB)
coverage:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/coverage \
	  EXTRA_CFLAGS="--coverage -O0" EXTRA_LDFLAGS=--coverage $(COV_OUT)/$(TEST_PROGRAM)
	@find $(COV_OUT) -name '*.gcda' -delete
	-CK_FORK=no CHAOS_SEED=$(CHAOS_SEED) timeout 120 $(COV_OUT)/$(TEST_PROGRAM)
	gcovr --root . --object-directory $(COV_OUT) $(addprefix --filter ,$(STUDENT)) \
	  --branches --print-summary $(COV_OUT) $(GCOVR_ARGS)
