# Concurrency labs in C, and the autograder that grades them.
#
#   make grade [LAB=NN] [SUBMISSION=DIR] [JSON=F] [JUNIT=F] [TAP=F] [TRACE=F] [CHECK=name]
#              [SEED=n] [SCHEDULE=s] [RAW=1] [VERBOSE=1] [PROGRESS=auto|lines|none] [AUTOLAB=1]
#              [SANDBOX=required|off-ok]   (without bubblewrap: refuse, or run anyway;
#                                   default off-ok here, required for grade-batch)
#              [REPLAY_AS=DIR]      (replay lines say SUBMISSION=DIR; labs: no SUBMISSION=)
#                                   grade (the main job); exit 0 all passed, else 2
#   grader/grade.sh [the same VAR=value words]   the same, with the grader's own
#                                   exit codes 0-4 (for CI: see README.md)
#   make grade-batch SUBMISSIONS=DIR [OUT=DIR] [GRADEBOOK=F] [BY_CHECK=1] [ROSTER=F] [LAB=NN]
#                                   grade a class: a folder per student
#   make grade-merge OUT=DIR [GRADEBOOK=F] [BY_CHECK=1] [ROSTER=F]   one gradebook from the
#                                   results files of many jobs (grader/cluster/)
#   JOBS=N (grade, grade-batch)     labs graded at once (default: the CPUs, as
#                                   root; 1 otherwise); timing checks run alone
#   make sweep LAB=NN [PLOT=F.svg|F.png] [SUBMISSION=DIR]   the lab's benchmark
#                                   over 1, 2, 4 ... workers: a table, and the
#                                   curve drawn (default code: labs/, or
#                                   solutions/ in the instructor's copy)
#   make test                       the project's own proof
#   make skeletons [FORCE=1]        regenerate labs/*/ student files from solutions/;
#                                   refuses to replace a file holding edits (FORCE=1:
#                                   replaces it, keeping a copy as FILE.backup-DATE)
#   make coverage [LAB=NN] [SUBMISSION=DIR]   gcov: which lines the tests reach
#   make release [RELEASE=F.tar.gz] the student release (default build/release.tar.gz)
#   make autolab LAB=NN [OUT=DIR] [SANDBOX=off-ok] [INCONCLUSIVE=...]   one lab's Autolab autograder:
#                                   autograde.tar, autograde-Makefile, problems.yml
#                                   (default build/autolab/NN-topic/)
#   make gradescope LAB=NN [OUT=F.zip] [SANDBOX=off-ok] [INCONCLUSIVE=...]   one lab's
#                                   Gradescope autograder (default build/gradescope/NN-topic.zip)
#   make classroom [TEMPLATE=DIR] [LABS=01] [THRESHOLD=60]   the GitHub Classroom
#                                   template repository, from the release (default
#                                   build/classroom/; LABS and THRESHOLD: what its
#                                   workflow grades, .github/grading.env)
#   make deps [DEPS=grade]          install the Debian packages (sudo when not root;
#                                   DEPS=grade: only those grading needs)
#   make clean

BUILD   := build
CC      := cc
PKGS    := jansson libxml-2.0 check
# Recursive (=) so pkg-config runs after `deps` has installed the libraries.
CFLAGS   = -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread -g -O2 -Icommon -Igrader -Igrader/tests \
           $(shell pkg-config --cflags $(PKGS))
LDLIBS   = $(shell pkg-config --libs jansson libxml-2.0) -lm
CHECK_LIBS = $(shell pkg-config --libs check)

COMMON_SRC := $(wildcard common/*.c)
GRADER_SRC := $(filter-out grader/main.c,$(wildcard grader/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
# The grader links only common/'s reporting, checked calls and clock: never
# the scheduler, which a SCHEDULE in its environment would turn on.
GRADER_COMMON := $(addprefix $(BUILD)/common/,report.o sys.o clock.o schedule_parse.o)
include common/schedule.mk
GRADER_OBJ := $(GRADER_SRC:%.c=$(BUILD)/%.o)
UNIT_TESTS := $(patsubst %.c,$(BUILD)/%,$(wildcard common/tests/check_*.c grader/tests/check_*.c))
TEST_LIB   := $(BUILD)/grader/tests/selftest_lib.o
# Suites that neither time anything nor look at the machine's processes:
# make test runs them a CPU's worth at a time (grader/tests/run.sh); every
# other suite runs alone.
TOGETHER   := $(BUILD)/common/tests/check_common $(addprefix $(BUILD)/grader/tests/check_, \
              autolab class classroom cli gradescope handouts hidden lab memory objcache \
              races release release_readme report score secrecy skeletons speedup submit)

GRADER := $(BUILD)/grader/grader
GRADE_FLAGS = $(if $(LAB),--lab '$(LAB)') $(if $(SUBMISSION),--submission '$(SUBMISSION)') \
              $(if $(JSON),--json '$(JSON)') $(if $(JUNIT),--junit '$(JUNIT)') \
              $(if $(TAP),--tap '$(TAP)') $(if $(TRACE),--trace '$(TRACE)') \
              $(if $(SANDBOX),--sandbox '$(SANDBOX)') \
              $(if $(INCONCLUSIVE),--inconclusive '$(INCONCLUSIVE)') \
              $(if $(CHECK),--check '$(CHECK)') \
              $(if $(SEED),--seed '$(SEED)') $(if $(SCHEDULE),--schedule '$(SCHEDULE)') \
              $(if $(RAW),--raw) $(if $(AUTOLAB),--autolab) \
              $(if $(VERBOSE),--verbose) $(if $(PROGRESS),--progress '$(PROGRESS)') \
              $(if $(JOBS),--jobs '$(JOBS)') $(if $(REPLAY_AS),--replay-as '$(REPLAY_AS)')

# Quiet: one line for the whole build instead of a compiler command per file
# (the first `make grade` compiles some twenty files). V=1 shows the commands.
ifeq ($(V),1)
Q :=
say_build :=
else
Q := @
say_build = $(if $(build_said),,$(eval build_said := 1)@echo "building the grader into $(BUILD)/ (V=1 shows the commands)")
endif

.SECONDARY:
.PHONY: all grade grade-run grade-batch grade-merge sweep test unit skeletons check-skeletons coverage deps clean release \
        classroom gradescope autolab
all: $(GRADER)

# DEPS=grade: only the packages grading needs (Gradescope's setup.sh, Autolab's image).
deps:
	@common/deps.sh $(DEPS)

# Exit status. GNU make turns any failed recipe into its own code 2, so the
# grader's codes (0-4, README.md) cannot pass through make. `make grade` exits
# 0 when every check passed and 2 otherwise, and instead of make's bare
# "*** [Makefile:NN: grade] Error 1" its last line says what the grader's code
# was. grade-run saves that code; grade reads it when make expands grade's
# recipe, which happens after grade-run has finished. With GRADE_STATUS=F
# (grader/grade.sh) the code is left in F and make exits 0: the script then
# exits with the grader's own code.
GRADE_CODE := $(or $(GRADE_STATUS),$(BUILD)/.grade-status.$(shell echo $$PPID))
grade_why_1 := some check failed or a lab was not submitted (grader exit 1, make exits 2)
grade_why_2 := usage error, see the message above (grader exit 2)
grade_why_3 := some check was inconclusive, none failed (grader exit 3, make exits 2)
grade_why_4 := the grader itself failed, not your code (grader exit 4, make exits 2)
grade: grade-run
	@$(if $(GRADE_STATUS),:,$(eval grade_rc := $(file < $(GRADE_CODE)))$(shell rm -f $(GRADE_CODE))$(if \
	  $(filter 0,$(grade_rc)),:,$(error $(or $(grade_why_$(grade_rc)),the grader exited $(or $(grade_rc),without a code)))))

grade-run: $(GRADER)
	@$(GRADER) --root . $(GRADE_FLAGS); echo $$? > '$(GRADE_CODE)'

# A whole class: SUBMISSIONS=DIR holds one folder per student, each laid out
# like labs/. Into OUT (default build/batch): <student>.json, .xml, .txt,
# gradebook.csv (or GRADEBOOK=F) and summary.txt.
BATCH_OUT = $(or $(OUT),$(BUILD)/batch)
grade-batch: $(GRADER)
	@$(if $(SUBMISSIONS),,$(error say SUBMISSIONS=DIR: a folder with one folder per student))
	@$(GRADER) --root . --batch '$(SUBMISSIONS)' --out '$(BATCH_OUT)' \
	  $(if $(GRADEBOOK),--gradebook '$(GRADEBOOK)') $(if $(BY_CHECK),--by-check) \
	  $(if $(ROSTER),--roster '$(ROSTER)') $(if $(SANDBOX),--sandbox '$(SANDBOX)') \
	  $(if $(INCONCLUSIVE),--inconclusive '$(INCONCLUSIVE)') \
	  $(if $(LAB),--lab '$(LAB)') $(if $(CHECK),--check '$(CHECK)') \
	  $(if $(JOBS),--jobs '$(JOBS)') $(if $(PROGRESS),--progress '$(PROGRESS)')

grade-merge: $(GRADER)
	@$(if $(OUT),,$(error say OUT=DIR: the folder the jobs wrote their results into))
	@$(GRADER) --merge '$(OUT)' $(if $(GRADEBOOK),--gradebook '$(GRADEBOOK)') \
	  $(if $(BY_CHECK),--by-check) $(if $(ROSTER),--roster '$(ROSTER)')

# make sweep: the lab's own `make sweep` (common.mk), on SUBMISSION's code.
# Code other than labs/ is staged beside a copy of the lab, as the grader
# stages it, so the lab's own files stay as they are.
SWEEP_FROM = $(or $(SUBMISSION),$(if $(wildcard solutions/*/),solutions,labs))
SWEEP_STAGE := $(BUILD)/sweep
sweep: | deps
	@$(if $(LAB),,$(error say LAB=NN, as in make sweep LAB=04 PLOT=curve.svg))
	@lab=$$(ls -d labs/$(LAB)* 2>/dev/null | head -n 1); name=$${lab#labs/}; from='$(SWEEP_FROM)'; \
	[ -n "$$lab" ] || { echo "make sweep: LAB=$(LAB) names no folder of labs/" >&2; exit 2; }; \
	dir=$$lab; \
	if [ "$$from" != labs ]; then \
	  dir=$(SWEEP_STAGE)/labs/$$name; rm -rf $(SWEEP_STAGE); mkdir -p $(SWEEP_STAGE)/labs; \
	  ln -s '$(CURDIR)/common' $(SWEEP_STAGE)/common; cp -r $$lab $(SWEEP_STAGE)/labs/; \
	  for f in $$(jq -r '.student_files[]' $$lab/lab.json); do \
	    cp "$$from/$$name/$$f" $$dir/ || { echo "make sweep: $$from/$$name/$$f is missing" >&2; exit 2; }; \
	  done; \
	fi; \
	echo "make sweep: $$name with the code of $$from/$$name (SUBMISSION=DIR for another)"; \
	$(MAKE) --no-print-directory -C $$dir sweep LAB=$$name $(if $(PLOT),PLOT='$(abspath $(PLOT))' PLOT_SHOWN='$(PLOT)')

$(BUILD)/%.o: %.c $(wildcard common/*.h grader/*.h grader/tests/*.h) | deps
	$(say_build)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(GRADER): $(BUILD)/grader/main.o $(GRADER_OBJ) $(GRADER_COMMON)
	$(say_build)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/common/tests/check_%: $(BUILD)/common/tests/check_%.o $(COMMON_OBJ)
	$(Q)$(CC) $(CFLAGS) $(SCHEDULE_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/grader/tests/check_%: $(BUILD)/grader/tests/check_%.o $(TEST_LIB) $(GRADER_OBJ) $(COMMON_OBJ) | $(GRADER)
	$(Q)$(CC) $(CFLAGS) $(SCHEDULE_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# ---- skeletons: labs/ is generated from solutions/, never edited by hand ----
# grader/skeletons.sh: make skeletons replaces only files that are still the
# skeleton it last wrote (solutions/skeletons.sha256); it refuses, writing
# nothing, when a file holds edits (a student's work), and with FORCE=1 keeps
# a copy of each edited file beside it first. check-skeletons (make test,
# make release) says which files differ and what to run, never a command
# that loses edits without saying so.
# (A release has no solutions/: there both only say so, below.)
ifeq ($(wildcard RELEASE),)
skeletons:
	@FORCE='$(FORCE)' sh grader/skeletons.sh write

check-skeletons:
	@sh grader/skeletons.sh check '$(or $(firstword $(filter test release classroom,$(MAKECMDGOALS))),check-skeletons)'
endif

# ---- coverage: which lines of the student files the lab's tests reach ----
# LAB=NN picks labs (all by default); SUBMISSION=DIR measures DIR's files
# (SUBMISSION=solutions: the instructor's proof that the tests are not
# shallow, which fails below COV_MIN % of a reference's lines). All of a
# lab's test programs count together; each lab also gets an HTML report.
# 95: every reference line a correct run can reach is reached; the few a
# correct run never reaches (a failed system call) are marked GCOVR_EXCL in
# the reference, each with its reason, and the report counts them.
COV_MIN ?= 95
COV_LABS = $(notdir $(wildcard $(if $(LAB),labs/$(LAB) labs/$(LAB)-* labs/0$(LAB)-*,labs/[0-9]*)))
COV_SRC := $(BUILD)/coverage-src
coverage: deps
	@for lab in $(COV_LABS); do \
	  dir=labs/$$lab; \
	  if [ -n "$(SUBMISSION)" ]; then \
	    dir=$(COV_SRC)/labs/$$lab; rm -rf $(COV_SRC); mkdir -p $(COV_SRC)/labs; \
	    cp -r common $(COV_SRC)/ && cp -r labs/$$lab $$dir && cp $(SUBMISSION)/$$lab/*.c $$dir/ || exit 1; \
	  fi; \
	  echo "== coverage of $$lab$(if $(SUBMISSION), from $(SUBMISSION))"; \
	  $(MAKE) --no-print-directory -s -C $$dir LAB=$$lab BUILD=$(abspath $(BUILD)) ROOT=$(CURDIR) COV_FROM=$(CURDIR) coverage \
	    $(if $(filter solutions,$(SUBMISSION)),COV_FAIL_UNDER=$(COV_MIN)) || exit 1; \
	done

# ---- the project's proof, and the student release (grader/release.sh) ----
# A release (a RELEASE file at the top) has neither grader/tests/ nor
# solutions/: there both targets only say so.
ifeq ($(wildcard RELEASE),)
# check-skeletons first: a copy whose labs/ holds work is told so before
# anything is installed or built.
test: check-skeletons $(GRADER) $(UNIT_TESTS)
	@GRADER=$(GRADER) sh grader/tests/run.sh $(filter-out $(TOGETHER),$(UNIT_TESTS)) \
		--together $(filter $(TOGETHER),$(UNIT_TESTS))
	@$(MAKE) --no-print-directory coverage SUBMISSION=solutions

release: check-skeletons
	@sh grader/release.sh '$(or $(RELEASE),$(BUILD)/release.tar.gz)'

# The GitHub Classroom template: the release just built, laid out as a
# repository with its workflow (grader/classroom.sh).
classroom: release
	@sh grader/classroom.sh '$(or $(RELEASE),$(BUILD)/release.tar.gz)' \
	  '$(or $(TEMPLATE),$(BUILD)/classroom)' '$(LABS)' '$(THRESHOLD)'

# One lab's Autolab autograder (grader/autolab/pack.sh): the tar, the
# autograde-Makefile and the problem list of an assessment of that lab.
autolab: check-skeletons $(GRADER)
	@$(if $(LAB),,$(error say LAB=NN: an Autolab assessment grades one lab, as in make autolab LAB=04))
	@SANDBOX='$(SANDBOX)' INCONCLUSIVE='$(INCONCLUSIVE)' sh grader/autolab/pack.sh '$(LAB)' \
	  $(if $(OUT),'$(OUT)')

# One lab's Gradescope autograder (grader/gradescope/pack.sh): a Gradescope
# assignment per lab, its zip holding that lab only.
gradescope: check-skeletons
	@$(if $(LAB),,$(error say LAB=NN: a Gradescope assignment grades one lab, as in make gradescope LAB=04))
	@SANDBOX='$(SANDBOX)' INCONCLUSIVE='$(INCONCLUSIVE)' sh grader/gradescope/pack.sh '$(LAB)' '$(OUT)'
else
test release classroom skeletons check-skeletons gradescope autolab:
	@echo "make $@: not part of the student release; it is run in the instructor's copy." >&2; \
	 echo "Your tools: make grade LAB=NN, and inside a lab folder make test." >&2; exit 2
endif

clean:
	rm -rf $(BUILD)
