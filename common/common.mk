# common.mk - every flag and rule the labs share. A lab's Makefile sets LAB,
# STUDENT (its student .c files), HARNESS (harness .c files linked with the
# student code) and PROGRAMS, then includes this file.
#
#   make            build every program of the lab into $(OUT)
#   make test       run the lab's Check tests under chaos seed 1
#                   (CHAOS_SEED=N replays seed N, CHAOS_SEED=0 runs without chaos)
#   make helgrind   run the race scenario under Helgrind, raw report
#   make bench      one sequential and one concurrent run of the benchmark,
#                   then the speedup and the tasks in flight
#   make coverage   gcov: which lines of the student files the tests reach
#   make sweep      the benchmark over 1, 2, 4 ... workers; PLOT=F draws it
#   V=1             show the full commands instead of one line per step
#
# test, helgrind, bench and coverage run under deadlines (common/deadline.sh):
# a program that hangs has its threads shown (which function of which file
# each one waits in) and is stopped.
#
# The grader builds the lab with these same rules, so what compiles for you
# compiles for the grader. A lab's own rules print with $(SAY) and run with
# $(Q), like the ones here.

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
              $(COMMON_DIR)/chaos.c $(COMMON_DIR)/trace.c $(COMMON_DIR)/run.c
# A coverage build also flushes its counts at _exit (common/coverage/); the
# memory check's build looks for leaks in the tests' own processes only
# (common/asan/).
COMMON_SRC += $(if $(filter coverage,$(BUILD_KIND)),$(COMMON_DIR)/coverage/gcov_flush.c)
COMMON_SRC += $(if $(filter asan,$(BUILD_KIND)),$(COMMON_DIR)/asan/leak_scope.c)
COMMON_OBJ := $(patsubst $(COMMON_DIR)/%.c,$(OUT)/common/%.o,$(COMMON_SRC))
STUDENT_OBJ := $(patsubst %.c,$(OUT)/%.o,$(STUDENT))
HARNESS_OBJ := $(patsubst %.c,$(OUT)/%.o,$(HARNESS))

.PHONY: all test helgrind bench coverage coverage-all clean
.DEFAULT_GOAL := all
all: $(addprefix $(OUT)/,$(PROGRAMS))
	@:

# Objects are kept, so that only what changed is built again.
.SECONDARY:

# One short line per step ("CC tasks.c"); V=1 prints the commands instead,
# and make -s (the grader's builds) nothing but the compiler's own words.
# BUILD_KIND names a second build of the same files (coverage, tsan).
ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
SAY := @:
else ifeq ($(V),1)
SAY := @:
else
SAY = @printf '  %-4s %s\n'
endif
Q := $(if $(filter 1,$(V)),,@)
KIND := $(if $(BUILD_KIND), [$(BUILD_KIND)])

$(OUT)/common/%.o: $(COMMON_DIR)/%.c $(wildcard $(COMMON_DIR)/*.h)
	@mkdir -p $(@D)
	$(SAY) CC 'common/$*.c$(KIND)'
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(OUT)/%.o: %.c $(wildcard *.h tests/*.h) $(COMMON_DIR)/common.h
	@mkdir -p $(@D)
	$(SAY) CC '$<$(KIND)'
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# A program links its own object, the student's code, the harness and common/;
# a test program (tests/check_NAME.c) links Check too. A lab adds a rule only
# for a program that must not link the student's code (its baseline).
$(OUT)/check_%: $(OUT)/tests/check_%.o $(STUDENT_OBJ) $(HARNESS_OBJ) $(COMMON_OBJ)
	$(SAY) LD '$(@F)$(KIND)'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(OUT)/%: $(OUT)/%.o $(STUDENT_OBJ) $(HARNESS_OBJ) $(COMMON_OBJ)
	$(SAY) LD '$(@F)$(KIND)'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

clean:
	$(SAY) RM '$(patsubst $(ROOT)/%,%,$(OUT))'
	$(Q)rm -rf $(OUT)

# ---- hidden tests: the instructor's hidden/check_NAME.c, absent from the
# student release (grader/SPEC.md). Each links like a test program and is
# part of `make all` when the folder exists; `make hidden` builds only them.
# The objects stay (the .SECONDARY: above): the grader builds the hidden
# programs only after the student's code was built without hidden/, so that
# the student's code is never compiled beside the hidden sources. (A second
# .SECONDARY naming some targets would make only those stay: make then
# deleted each program's own object after linking it.)
HIDDEN_PROGRAMS := $(patsubst hidden/%.c,$(OUT)/%,$(wildcard hidden/check_*.c))
.PHONY: hidden
all: $(HIDDEN_PROGRAMS)
hidden: $(HIDDEN_PROGRAMS)
$(HIDDEN_PROGRAMS): $(OUT)/%: $(OUT)/hidden/%.o $(STUDENT_OBJ) $(HARNESS_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# ---- the commands a student types (each names the program it runs) ----
HELGRIND_SUPP := $(ROOT)/grader/helgrind.supp
HELGRIND := valgrind -q --tool=helgrind --error-exitcode=99 \
            $(if $(wildcard $(HELGRIND_SUPP)),--suppressions=$(HELGRIND_SUPP))

# Every command below runs under deadline.sh: past its deadline, each thread
# of a stuck process is shown (where it waits, in which function of which
# file, the student's files first), then the command is stopped.
DEADLINE = sh $(COMMON_DIR)/deadline.sh -f '$(STUDENT)' $(if $(filter 1,$(V)),-v)

# The grader's first seed unless told otherwise (make test CHAOS_SEED=3);
# CHAOS_SEED=0 turns the chaos points off.
CHAOS_SEED ?= 1

# make test: a test still running after TEST_TIMEOUT seconds (CK_DEFAULT_TIMEOUT
# works too) has its threads shown, and Check stops it 4 s later, time for
# gdb; the whole run stops after TEST_DEADLINE seconds.
TEST_TIMEOUT  ?= $(or $(CK_DEFAULT_TIMEOUT),5)
TEST_DEADLINE ?= 120
CK_TIMEOUT = $$(awk 'BEGIN { print $(TEST_TIMEOUT) + 4 }')

test: $(OUT)/$(TEST_PROGRAM)
	$(SAY) TEST '$(TEST_PROGRAM), chaos seed $(CHAOS_SEED)'
	$(Q)CHAOS_SEED=$(CHAOS_SEED) CK_DEFAULT_TIMEOUT=$(CK_TIMEOUT) \
	  $(DEADLINE) -n $(TEST_PROGRAM) -s $(TEST_TIMEOUT) -t $(TEST_DEADLINE) -- $(OUT)/$(TEST_PROGRAM)

# A lab in parts: make test-PART, helgrind-PART and coverage-PART run the
# part's own programs (tests/check_PART.c, race_PART.c) instead of the
# lab's defaults: make test-pipeline, make helgrind-table, ...
test-%:
	@$(MAKE) --no-print-directory test TEST_PROGRAM=check_$*
helgrind-%:
	@$(MAKE) --no-print-directory helgrind RACE_PROGRAM=race_$*
coverage-%:
	@$(MAKE) --no-print-directory coverage TEST_PROGRAM=check_$*

# make helgrind: Helgrind prints each error as it finds it, so what it saw
# before a hang is above the threads' stacks.
HELGRIND_DEADLINE ?= 30
helgrind: $(OUT)/$(RACE_PROGRAM)
	$(SAY) HG '$(strip $(RACE_PROGRAM) $(RACE_ARGS)) under Helgrind'
	$(Q)$(DEADLINE) -n '$(RACE_PROGRAM) under Helgrind' -t $(HELGRIND_DEADLINE) -- \
	  $(HELGRIND) $(OUT)/$(RACE_PROGRAM) $(RACE_ARGS); rc=$$?; \
	case $$rc in \
	0) echo "helgrind: no error in $(RACE_PROGRAM)" ;; \
	99) echo "helgrind: the errors above were found; each names a line of $(STUDENT)" ;; \
	124) echo "helgrind: $(RACE_PROGRAM) hangs; Helgrind's errors above, if any, came before (a lock locked again by its holder is one)" ;; \
	esac; exit $$rc

# make bench: the baseline, then the lab's own program, each once, and what
# the grader would read from their BENCH lines (see bench.awk).
BENCH_DEADLINE ?= 20
bench: $(OUT)/$(BENCH_BASELINE) $(OUT)/$(BENCH_PROGRAM)
	$(SAY) BENCH '$(BENCH_BASELINE) $(BENCH_ARGS), then $(BENCH_PROGRAM) $(BENCH_ARGS)'
	$(Q)tmp=$$(mktemp -d) && \
	BENCH_OUT=$$tmp/seq $(DEADLINE) -n $(BENCH_BASELINE) -t $(BENCH_DEADLINE) -- \
	  $(OUT)/$(BENCH_BASELINE) $(BENCH_ARGS) && \
	BENCH_OUT=$$tmp/par $(DEADLINE) -n $(BENCH_PROGRAM) -t $(BENCH_DEADLINE) -- \
	  $(OUT)/$(BENCH_PROGRAM) $(BENCH_ARGS); rc=$$?; \
	awk -f $(COMMON_DIR)/bench.awk -v seq='$(BENCH_BASELINE) $(BENCH_ARGS)' \
	  -v par='$(BENCH_PROGRAM) $(BENCH_ARGS)' -v target="$$($(BENCH_TARGET))" \
	  $$tmp/seq $$tmp/par 2>/dev/null; rm -rf $$tmp; exit $$rc

# make sweep [PLOT=curve.svg|.png]: the benchmark over 1, 2, 4 ... workers,
# a table in the terminal and, with PLOT, the curve drawn by gnuplot
# (plot.sh), the ideal and the CPUs marked. A lab whose benchmark takes the
# count as an argument names its two commands with @W@ where it goes
# (SWEEP_BASELINE, SWEEP_CANDIDATE; sweep.sh times them); a lab with a
# sweep of its own sets SWEEP_OWN and writes $(SWEEP_DATA) in sweep-data.
SWEEP_DATA     := $(OUT)/sweep.dat
SWEEP_WORKERS  ?= 1 2 4 8 16 32 64
SWEEP_DEADLINE ?= 300
.PHONY: sweep sweep-data
sweep: sweep-data
	$(if $(PLOT),$(Q)sh $(COMMON_DIR)/plot.sh '$(SWEEP_DATA)' '$(PLOT)',@echo \
	  "make sweep PLOT=curve.svg (or .png) draws this table")
ifndef SWEEP_OWN
sweep-data: $(OUT)/$(firstword $(SWEEP_BASELINE)) $(OUT)/$(firstword $(SWEEP_CANDIDATE))
	$(Q)$(DEADLINE) -n sweep -t $(SWEEP_DEADLINE) -- sh $(COMMON_DIR)/sweep.sh \
	  -o '$(SWEEP_DATA)' -d '$(OUT)' -t '$(SWEEP_TITLE)' -x '$(SWEEP_XLABEL)' \
	  -b '$(SWEEP_BASELINE)' -c '$(SWEEP_CANDIDATE)' $(SWEEP_WORKERS)
endif

# The grader's target for this benchmark, read from lab.json (jq), if any:
# the speedup check whose candidate is this very command, else the first
# that runs this program.
BENCH_TARGET = jq -r --arg p '$(BENCH_PROGRAM)' --arg c '$(strip $(BENCH_PROGRAM) $(BENCH_ARGS))' \
  '[.checks[] | select(.kind == "speedup")] | ([.[] | select((.candidate | join(" ")) == $$c)] \
  + [.[] | select(.candidate[0] == $$p)])[0] | select(.) | if .bound == "cpu" \
  then "\(.target) of the speedup a perfectly parallel control gets on this machine" \
  else "a speedup of at least \(.target)" end + (if .min_inflight then \
  ", at least \(.min_inflight) tasks in flight" else "" end)' lab.json 2>/dev/null

# ThreadSanitizer build of one program (make tsan/race_scenario): the races
# check's fallback where Valgrind is missing.
tsan/%:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/tsan BUILD_KIND=tsan \
	  EXTRA_CFLAGS="-fsanitize=thread -O1" EXTRA_LDFLAGS=-fsanitize=thread $(BUILD)/tsan/labs/$(LAB)/$*

# AddressSanitizer + UndefinedBehaviorSanitizer build of one program
# (make asan/check_tasks): the memory check. The same warnings as every build;
# -O1 keeps the stacks close to the source. Both runtimes are linked in
# statically: with gcc's shared libubsan beside libasan, UBSan ignores
# log_path= and writes its reports to the program's stderr. LeakSanitizer
# looks at the exit of the program and of each test, not of the processes
# a test's code forks (common/asan/leak_scope.c).
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -g -O1
asan/%:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan BUILD_KIND=asan EXTRA_CFLAGS="$(ASAN_FLAGS)" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined -static-libasan -static-libubsan" \
	  $(BUILD)/asan/labs/$(LAB)/$*

# What the figures leave out, said once per student file.
COV_EXCL_NOTE = for f in $(STUDENT); do \
	  n=$$(grep -c 'GCOVR_EXCL_\(START\|LINE\|BR_LINE\)' $$f); \
	  [ "$$n" -gt 1 ] && w="$$n places marked GCOVR_EXCL are" || w="1 place marked GCOVR_EXCL is"; \
	  [ "$$n" -gt 0 ] && echo "$$f: $$w left out of these figures: code a correct program never reaches (its comment says why)"; \
	done; true

# make coverage-all: the same for every test program of the lab at once
# (TEST_PROGRAMS: its check_* programs), their counts added up: what the
# lab's tests reach together, as a table and as an HTML report of every
# line. COV_FAIL_UNDER=N fails below N % of lines.
TEST_PROGRAMS ?= $(filter check_%,$(PROGRAMS))
coverage-all:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/coverage BUILD_KIND=coverage \
	  EXTRA_CFLAGS="--coverage -O0" EXTRA_LDFLAGS="--coverage -Wl,--wrap=_exit" \
	  $(addprefix $(COV_OUT)/,$(TEST_PROGRAMS))
	@find $(COV_OUT) -name '*.gcda' -delete
	$(Q)for p in $(TEST_PROGRAMS); do \
	  echo "  TEST $$p in one process, chaos seed $(CHAOS_SEED) [coverage]"; \
	  CK_FORK=no CHAOS_SEED=$(CHAOS_SEED) $(DEADLINE) -n $$p -s $(TEST_TIMEOUT) \
	    -t $(TEST_DEADLINE) -- $(COV_OUT)/$$p > /dev/null 2>&1 || true; \
	done
	$(SAY) GCOV '$(STUDENT)'
	$(Q)gcovr --root . --object-directory $(COV_OUT) $(addprefix --filter ,$(STUDENT)) \
	  --branches --txt --print-summary --html-details $(COV_OUT)/coverage.html \
	  $(if $(COV_FAIL_UNDER),--fail-under-line $(COV_FAIL_UNDER)) $(COV_OUT) $(GCOVR_ARGS); \
	rc=$$?; echo "  line by line: $(patsubst $(ROOT)/%,%,$(COV_OUT))/coverage.html"; \
	$(COV_EXCL_NOTE); \
	[ $$rc -eq 0 ] || echo "  coverage: below $(COV_FAIL_UNDER)% of the lines of $(STUDENT)"; \
	exit $$rc

# Coverage runs the tests in one process (CK_FORK=no): a forked test child
# that fails writes no coverage data (TOOLCHAIN.md). The deadline stands in
# for Check's per-test timeouts, which fork mode alone provides. Lines the
# student file marks GCOVR_EXCL (code correct programs never reach) are left
# out, and the output says so.
COV_OUT := $(BUILD)/coverage/labs/$(LAB)
coverage:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/coverage BUILD_KIND=coverage \
	  EXTRA_CFLAGS="--coverage -O0" EXTRA_LDFLAGS="--coverage -Wl,--wrap=_exit" $(COV_OUT)/$(TEST_PROGRAM)
	@find $(COV_OUT) -name '*.gcda' -delete
	$(SAY) TEST '$(TEST_PROGRAM) in one process, chaos seed $(CHAOS_SEED) [coverage]'
	$(Q)CK_FORK=no CHAOS_SEED=$(CHAOS_SEED) $(DEADLINE) -n $(TEST_PROGRAM) \
	  -s $(TEST_TIMEOUT) -t $(TEST_DEADLINE) -- $(COV_OUT)/$(TEST_PROGRAM) || true
	$(SAY) GCOV '$(STUDENT)'
	$(Q)gcovr --root . --object-directory $(COV_OUT) $(addprefix --filter ,$(STUDENT)) \
	  --branches --print-summary $(COV_OUT) $(GCOVR_ARGS)
	@$(COV_EXCL_NOTE)
