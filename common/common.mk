# common.mk - every flag and rule the labs share. A lab's Makefile sets LAB,
# STUDENT (its student .c files), HARNESS (harness .c files linked with the
# student code) and PROGRAMS, then includes this file.
#
#   make            build every program of the lab into $(OUT)
#   make test       run the lab's Check tests under chaos seed 1
#                   (CHAOS_SEED=N replays seed N, CHAOS_SEED=0 runs without chaos)
#   make helgrind   run the race scenario under Helgrind, raw report
#   make bench      the lab's speedup checks timed as the grader times them
#                   (lab.json): the median speedup, its min-max, the control
#   make coverage   gcov: which lines of the student files the tests reach
#                   (every test program; coverage-PART: one), and an HTML page
#   make sweep      the benchmark over 1, 2, 4 ... workers; PLOT=F draws it
#   V=1             show the full commands instead of one line per step
#
# A lab in parts also sets PARTS, PART_<part>_FILES and PART_<part>_PROGRAMS
# (below); `make part-<part>` then builds one part's programs.
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
# DEBUG_ROOT=/path (the grader's builds): the debug information names ROOT's
# files under that one path, wherever ROOT is, so an object compiled in one
# folder is the same as one compiled in another (grader/SPEC.md, "Built
# once"). Only the debug strings change, never the code.
DEBUG_MAP := $(if $(DEBUG_ROOT),-fdebug-prefix-map=$(realpath $(ROOT))=$(DEBUG_ROOT))
CFLAGS  := -std=gnu11 -Wall -Wextra -Werror -pthread -g -O2 -I$(COMMON_DIR) -I. $(DEBUG_MAP) $(EXTRA_CFLAGS)
# Every program can run under a controlled schedule (schedule.mk).
include $(COMMON_DIR)/schedule.mk
LDFLAGS := -pthread $(SCHEDULE_LDFLAGS) $(EXTRA_LDFLAGS)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)
LDLIBS  := -lm

COMMON_SRC := $(COMMON_DIR)/report.c $(COMMON_DIR)/sync.c $(COMMON_DIR)/sys.c \
              $(COMMON_DIR)/schedule.c $(COMMON_DIR)/schedule_report.c \
              $(COMMON_DIR)/schedule_parse.c $(COMMON_DIR)/schedule_watch.c $(COMMON_DIR)/clock.c \
              $(COMMON_DIR)/work.c $(COMMON_DIR)/chaos.c $(COMMON_DIR)/trace.c $(COMMON_DIR)/run.c
# A coverage build also flushes its counts at _exit (common/coverage/); the
# memory check's build looks for leaks in the tests' own processes only
# (common/asan/).
COMMON_SRC += $(if $(filter coverage,$(BUILD_KIND)),$(COMMON_DIR)/coverage/gcov_flush.c)
COMMON_SRC += $(if $(filter asan,$(BUILD_KIND)),$(COMMON_DIR)/asan/leak_scope.c)
COMMON_OBJ := $(patsubst $(COMMON_DIR)/%.c,$(OUT)/common/%.o,$(COMMON_SRC))
STUDENT_OBJ := $(patsubst %.c,$(OUT)/%.o,$(STUDENT))
HARNESS_OBJ := $(patsubst %.c,$(OUT)/%.o,$(HARNESS))

# BUILD_JOBS=N (a lab's Makefile): N files compile at once, unless a make
# above this one already shares out its jobs (the lab's own make test-PART,
# coverage...), which warned "-jN forced in makefile: resetting jobserver
# mode" when set again here.
ifneq ($(BUILD_JOBS),)
ifeq ($(findstring jobserver,$(shell printenv MAKEFLAGS)),)
MAKEFLAGS += -j$(BUILD_JOBS)
endif
endif

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

# ---- a lab in parts (lab 03: queue.c, then pipeline.c built on it) ----
# PARTS names the parts; part P links only the student files PART_P_FILES
# into its programs PART_P_PROGRAMS, and `make part-P` builds them alone.
# So a part that does not compile stops only its own programs: `make test`
# of part A works while part B is half written, and the grader grades the
# parts that built (lab.json's "build" "parts", grader/SPEC.md). A program
# of no part links every student file.
$(foreach part,$(PARTS),$(foreach prog,$(PART_$(part)_PROGRAMS),\
  $(eval STUDENT_OF_$(prog) := $(PART_$(part)_FILES))))
student_objs = $(patsubst %.c,$(OUT)/%.o,$(or $(STUDENT_OF_$(1)),$(STUDENT)))
.PHONY: $(addprefix part-,$(PARTS))
$(foreach part,$(PARTS),$(eval part-$(part): $(addprefix $(OUT)/,$(PART_$(part)_PROGRAMS)) ; @:))

# A program links its own object, the student's code (its part's files),
# the harness and common/; a test program (tests/check_NAME.c) links Check
# too. A lab adds a rule only for a program that must not link the
# student's code (its baseline).
.SECONDEXPANSION:
$(OUT)/check_%: $(OUT)/tests/check_%.o $$(call student_objs,check_$$*) $(HARNESS_OBJ) $(COMMON_OBJ)
	$(SAY) LD '$(@F)$(KIND)'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(OUT)/%: $(OUT)/%.o $$(call student_objs,$$*) $(HARNESS_OBJ) $(COMMON_OBJ)
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
	$(SAY) LD '$(@F)$(KIND)'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# ---- what the grader compiles once (grader/SPEC.md, "Built once") ----
# Every object that holds no student code: common/, the harness, each
# program's own file and the hidden tests'. `make pristine` builds them in a
# copy of the lab without its student files; the grader keeps them and
# copies them into each staged lab, where make then compiles only the
# student's files and links.
PROGRAM_OBJ  := $(foreach p,$(PROGRAMS),$(OUT)/$(if $(filter check_%,$(p)),tests/)$(p).o)
PRISTINE_OBJ := $(filter-out $(STUDENT_OBJ),$(COMMON_OBJ) $(HARNESS_OBJ) $(PROGRAM_OBJ) \
                $(patsubst %.c,$(OUT)/%.o,$(wildcard hidden/check_*.c)))
.PHONY: pristine
pristine: $(PRISTINE_OBJ)
	@:

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

# make test: Check stops a test after TEST_TIMEOUT seconds: by default the
# test_timeout_s that lab.json gives the unit check running TEST_PROGRAM,
# the grader's limit (make test TEST_TIMEOUT=N or CK_DEFAULT_TIMEOUT=N for
# another). Halfway there a test still running has its threads shown, as
# the grader takes them, leaving gdb time before Check stops the test. The
# whole run stops after TEST_DEADLINE seconds.
SPEC_TEST_TIMEOUT = $(eval SPEC_TEST_TIMEOUT := $(shell jq -r --arg p '$(TEST_PROGRAM)' \
  'first(.checks[] | select(.kind == "unit" and .program == $$p) | .test_timeout_s) // empty' \
  lab.json 2>/dev/null))$(SPEC_TEST_TIMEOUT)
TEST_TIMEOUT  ?= $(or $(CK_DEFAULT_TIMEOUT),$(SPEC_TEST_TIMEOUT),5)
TEST_DEADLINE ?= 120
TEST_STUCK = $$(awk 'BEGIN { print $(TEST_TIMEOUT) / 2 }')

test: $(OUT)/$(TEST_PROGRAM)
	$(SAY) TEST '$(TEST_PROGRAM), chaos seed $(CHAOS_SEED), $(TEST_TIMEOUT) s a test'
	$(Q)CHAOS_SEED=$(CHAOS_SEED) CK_DEFAULT_TIMEOUT=$(TEST_TIMEOUT) CK_TIMEOUT_MULTIPLIER=1 \
	  $(DEADLINE) -n $(TEST_PROGRAM) -s $(TEST_STUCK) -l $(TEST_TIMEOUT) -t $(TEST_DEADLINE) \
	  -- $(OUT)/$(TEST_PROGRAM)

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
# before a hang is above the threads' stacks. A lab without a races check
# (lab 05: one thread per process) says so instead.
HELGRIND_DEADLINE ?= 30
ifneq ($(filter $(RACE_PROGRAM),$(PROGRAMS)),)
helgrind: $(OUT)/$(RACE_PROGRAM)
	$(SAY) HG '$(strip $(RACE_PROGRAM) $(RACE_ARGS)) under Helgrind'
	$(Q)$(DEADLINE) -n '$(RACE_PROGRAM) under Helgrind' -t $(HELGRIND_DEADLINE) -- \
	  $(HELGRIND) $(OUT)/$(RACE_PROGRAM) $(RACE_ARGS); rc=$$?; \
	case $$rc in \
	0) echo "helgrind: no error in $(RACE_PROGRAM)" ;; \
	99) echo "helgrind: the errors above were found; each names a line of $(STUDENT)"; \
	    echo "  (\"pthread_cond_{signal,broadcast}: ... lock is not held\" is a signal sent after unlocking: POSIX allows it, and the grader shows it as a note that costs nothing)" ;; \
	124) echo "helgrind: $(RACE_PROGRAM) hangs; Helgrind's errors above, if any, came before (a lock locked again by its holder is one)" ;; \
	esac; exit $$rc
else
# Why there is nothing to run: lab.json's races checks name the scenarios,
# and its "comment" says why a lab has none.
helgrind:
	@races=$$(jq -r '[.checks[] | select(.kind == "races") | .program] | unique | join(" ")' lab.json); \
	if [ -z "$$races" ]; then \
	  echo "make helgrind: lab $(LAB) has no Helgrind check (its lab.json has no races check), so there is nothing to run."; \
	  jq -r '.comment // empty | select(test("race"; "i"))' lab.json | fold -s -w 90 | sed 's/^/  /'; \
	  exit 0; \
	fi; \
	echo "make helgrind: $(RACE_PROGRAM) is not a race scenario of lab $(LAB); its scenarios: $$races" >&2; exit 2
endif

# make bench [CHECK=name]: the lab's speedup checks (every one, or the one
# named), timed as the grader times them, from lab.json (bench.sh): its
# commands, interleaved pairs, the median and min-max of their ratios, the
# control, the target. Figures only: make grade gives the verdict.
bench: all
	$(Q)sh $(COMMON_DIR)/bench.sh -j lab.json -d '$(OUT)' -l '$(LAB)' -f '$(STUDENT)' \
	  $(if $(CHECK),-c '$(CHECK)') $(if $(filter 1,$(V)),-v)

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
	$(if $(PLOT),$(Q)sh $(COMMON_DIR)/plot.sh '$(SWEEP_DATA)' '$(PLOT)' '$(or $(PLOT_SHOWN),$(PLOT))',@echo \
	  "make sweep PLOT=curve.svg (or .png) draws this table")
ifndef SWEEP_OWN
sweep-data: $(OUT)/$(firstword $(SWEEP_BASELINE)) $(OUT)/$(firstword $(SWEEP_CANDIDATE))
	$(Q)$(DEADLINE) -n sweep -t $(SWEEP_DEADLINE) -- sh $(COMMON_DIR)/sweep.sh \
	  -o '$(SWEEP_DATA)' -d '$(OUT)' -t '$(SWEEP_TITLE)' -x '$(SWEEP_XLABEL)' \
	  -b '$(SWEEP_BASELINE)' -c '$(SWEEP_CANDIDATE)' $(SWEEP_WORKERS)
endif

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
ASAN_MAKE = $(MAKE) --no-print-directory BUILD=$(BUILD)/asan BUILD_KIND=asan EXTRA_CFLAGS="$(ASAN_FLAGS)" \
  EXTRA_LDFLAGS="-fsanitize=address,undefined -static-libasan -static-libubsan"
asan/%:
	@$(ASAN_MAKE) $(BUILD)/asan/labs/$(LAB)/$*
# The sanitizer build's objects that hold no student code (the grader's cache).
.PHONY: asan-pristine
asan-pristine:
	@$(ASAN_MAKE) pristine

# make coverage: every test program of the lab (TEST_PROGRAMS, its check_*
# programs) runs once, their counts added up: what the lab's tests reach
# together. coverage/report.sh prints, per student file, the lines never
# run, then the lines with a branch never taken, and writes an HTML page of
# every line. make coverage-PART runs check_PART alone and reports PART.c
# when the lab has it (coverage-pipeline: pipeline.c), else every student
# file with a note that the other programs did not run. COV_FAIL_UNDER=N
# fails below N % of lines.
#
# Each program runs in one process (CK_FORK=no): a forked test child that
# fails writes no coverage data (TOOLCHAIN.md). Check's per-test timeouts
# need fork mode, so a deadline of COV_DEADLINE seconds a program stands in
# for them. Lines the student file marks GCOVR_EXCL (code correct programs
# never reach) are left out, and the output says so.
COV_OUT       := $(BUILD)/coverage/labs/$(LAB)
TEST_PROGRAMS ?= $(filter check_%,$(PROGRAMS))
COV_PROGRAMS  ?= $(TEST_PROGRAMS)
COV_FILES     ?= $(STUDENT)
COV_DEADLINE  ?= 60
COV_FROM      ?= $(CURDIR)
coverage-%:
	@$(MAKE) --no-print-directory coverage COV_PROGRAMS=check_$* COV_PART=$* \
	  COV_FILES='$(or $(filter $*.c,$(STUDENT)),$(STUDENT))'
coverage-all: coverage
coverage:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/coverage BUILD_KIND=coverage \
	  EXTRA_CFLAGS="--coverage -O0" EXTRA_LDFLAGS="--coverage -Wl,--wrap=_exit" coverage-programs
	@find $(COV_OUT) -name '*.gcda' -delete
	$(Q)for p in $(COV_PROGRAMS); do \
	  printf '  %-4s %s: ' TEST "$$p in one process, chaos seed $(CHAOS_SEED) [coverage]"; \
	  CK_FORK=no CHAOS_SEED=$(CHAOS_SEED) $(DEADLINE) -n $$p -t $(COV_DEADLINE) \
	    -- $(COV_OUT)/$$p | grep -E '^[0-9]+%: Checks' || echo "no summary (see above)"; \
	done
	$(SAY) GCOV '$(COV_FILES)'
	$(Q)sh $(COMMON_DIR)/coverage/report.sh -d '$(COV_OUT)' -f '$(COV_FILES)' -w '$(COV_FROM)' \
	  $(if $(filter-out $(COV_FILES),$(STUDENT)),,$(if $(filter-out $(COV_PROGRAMS),$(TEST_PROGRAMS)), \
	    -r '$(COV_PROGRAMS)' -a '$(TEST_PROGRAMS)' -p 'coverage-$(COV_PART)')) \
	  $(if $(COV_FAIL_UNDER),-m $(COV_FAIL_UNDER))

# The coverage build's programs (run by a sub-make whose OUT is under
# build/coverage/); a recipe of its own, so that make does not say "is up
# to date" when they are.
.PHONY: coverage-programs
coverage-programs: $(addprefix $(OUT)/,$(COV_PROGRAMS))
	@:
