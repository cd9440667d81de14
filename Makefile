# Concurrency labs in C, and the autograder that grades them.
#
#   make grade [LAB=NN] [SUBMISSION=DIR] [JSON=F] [JUNIT=F] [TAP=F]
#              [CHECK=name] [SEED=n] [RAW=1] [AUTOLAB=1]   grade (the main job)
#   make grade-batch SUBMISSIONS=DIR [GRADEBOOK=F] [LAB=NN]   grade a class
#   make test                       the project's own proof
#   make skeletons                  regenerate labs/*/ student files from solutions/
#   make coverage [LAB=NN] [SUBMISSION=DIR]   gcov: which lines the tests reach
#   make release [RELEASE=F.tar.gz] the student release (default build/release.tar.gz)
#   make deps                       install the Debian packages (sudo when not root)
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
GRADER_OBJ := $(GRADER_SRC:%.c=$(BUILD)/%.o)
UNIT_TESTS := $(patsubst %.c,$(BUILD)/%,$(wildcard common/tests/check_*.c grader/tests/check_*.c))
TEST_LIB   := $(BUILD)/grader/tests/selftest_lib.o
SOLUTION_FILES := $(shell grep -l -- '// BEGIN SOLUTION' solutions/*/*.c 2>/dev/null)

GRADER := $(BUILD)/grader/grader
GRADE_FLAGS = $(if $(LAB),--lab '$(LAB)') $(if $(SUBMISSION),--submission '$(SUBMISSION)') \
              $(if $(JSON),--json '$(JSON)') $(if $(JUNIT),--junit '$(JUNIT)') \
              $(if $(TAP),--tap '$(TAP)') $(if $(CHECK),--check '$(CHECK)') \
              $(if $(SEED),--seed '$(SEED)') $(if $(RAW),--raw) $(if $(AUTOLAB),--autolab)

.SECONDARY:
.PHONY: all grade grade-batch test unit skeletons check-skeletons coverage deps clean release
all: $(GRADER)

deps:
	@common/deps.sh

grade: $(GRADER)
	@$(GRADER) --root . $(GRADE_FLAGS)

# A whole class: SUBMISSIONS=DIR holds one folder per student, each laid out
# like labs/. GRADEBOOK=F (default build/batch/gradebook.csv).
BATCH_OUT := $(BUILD)/batch
grade-batch: $(GRADER)
	@sh grader/batch.sh $(GRADER) '$(SUBMISSIONS)' $(BATCH_OUT) '$(or $(GRADEBOOK),$(BATCH_OUT)/gradebook.csv)' \
	  $(if $(LAB),--lab '$(LAB)') $(if $(CHECK),--check '$(CHECK)')

$(BUILD)/%.o: %.c $(wildcard common/*.h grader/*.h grader/tests/*.h) | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(GRADER): $(BUILD)/grader/main.o $(GRADER_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/common/tests/check_%: $(BUILD)/common/tests/check_%.o $(COMMON_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/grader/tests/check_%: $(BUILD)/grader/tests/check_%.o $(TEST_LIB) $(GRADER_OBJ) $(COMMON_OBJ) | $(GRADER)
	$(CC) $(CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# ---- skeletons: labs/ is generated from solutions/, never edited by hand ----
skeletons:
	@for f in $(SOLUTION_FILES); do \
	  out=labs/$${f#solutions/}; \
	  awk -f grader/skeleton.awk $$f > $$out.tmp && mv $$out.tmp $$out && echo "generated $$out"; \
	done

check-skeletons:
	@rc=0; for f in $(SOLUTION_FILES); do \
	  out=labs/$${f#solutions/}; \
	  awk -f grader/skeleton.awk $$f | cmp -s - $$out || \
	    { echo "$$out is out of sync with $$f: run 'make skeletons'"; rc=1; }; \
	done; exit $$rc

# ---- coverage: which lines of the student files the lab's tests reach ----
# LAB=NN picks labs (all by default); SUBMISSION=DIR measures DIR's files
# (SUBMISSION=solutions: the instructor's proof that the tests are not shallow).
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
	  $(MAKE) --no-print-directory -s -C $$dir BUILD=$(abspath $(BUILD)) ROOT=$(CURDIR) coverage || exit 1; \
	done

# ---- the project's proof, and the student release (grader/release.sh) ----
# A release (a RELEASE file at the top) has neither grader/tests/ nor
# solutions/: there both targets only say so.
ifeq ($(wildcard RELEASE),)
test: $(GRADER) $(UNIT_TESTS) check-skeletons
	@GRADER=$(GRADER) sh grader/tests/run.sh $(UNIT_TESTS)

release: check-skeletons
	@sh grader/release.sh '$(or $(RELEASE),$(BUILD)/release.tar.gz)'
else
test release:
	@echo "make $@: not part of the student release; it is run in the instructor's copy." >&2; \
	 echo "Your tools: make grade LAB=NN, and inside a lab folder make test." >&2; exit 2
endif

clean:
	rm -rf $(BUILD)
