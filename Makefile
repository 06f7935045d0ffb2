# attograd's build. Plain GNU make, one rule per object, -MMD -MP dependency
# files: a one-line change rebuilds one object, and `make -j2` works.
#
#   make            library + every program (tests, tutorials, train, bench) into build/
#   make test       build and run the doctest suite; ends with "N passed, N failed"
#   make debug      -O0 -g build into build/debug (for gdb), tests included
#   make asan       ASan + UBSan build into build/asan, runs the whole suite
#   make bench      speed benchmarks (GFLOP/s, ms)
#   make train      the main job: train the document's AttentionNet
#   make tutorials  run every tutorial in order; make tutorial T=03 builds and runs one
#   make gdb T=02   debug build of tutorial 02, opened in gdb with tensor pretty-printing
#   make grade EX=softmax_backward   grade an assignment (tutorials/exercises/)
#   make grade-all EX=NAME DIR=folder   grade a class's hand-ins into grades.csv
#   make handout EX=NAME[,NAME] OUT=dir   a student copy with the assignment's regions cut
#   make lines      line count per room (keeps files small and visible)
#   make compile_commands.json   for clangd / VS Code navigation
#   make help       this list
#   make fuzz       libFuzzer harnesses of the file readers into build/fuzz/bin (clang)

# Build in parallel on every core unless the caller chose (-j1 keeps it serial).
# Only the top-level make decides: a sub-make ($(MAKE) in grade, debug, gdb)
# shares its parent's jobserver, and forcing -j there makes make warn
# "-jN forced in makefile: resetting jobserver mode".
ifeq ($(MAKELEVEL)$(filter -j%,$(MAKEFLAGS)),0)
  MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

CXX      ?= g++
MODE     ?= release
ifeq ($(MODE),release)
  BUILD    := build
  OPTFLAGS := -O3 -march=native -DNDEBUG
else ifeq ($(MODE),debug)
  BUILD    := build/debug
  OPTFLAGS := -O0 -g3 -march=native
else ifeq ($(MODE),asan)
  BUILD    := build/asan
  OPTFLAGS := -O1 -g -march=native -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(MODE),fuzz)
  # clang only: coverage for libFuzzer in every object, sanitizers on.
  BUILD    := build/fuzz
  OPTFLAGS := -O1 -g -march=native -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined -DAG_LIBFUZZER
endif

CXXFLAGS ?=
CXXFLAGS += -std=c++20 -Wall -Wextra -pthread -I. $(OPTFLAGS) -MMD -MP
LDFLAGS  += -pthread $(filter -fsanitize=%,$(OPTFLAGS))

# The rooms that make up the library. Data flows data -> nn -> core.
LIB_SRCS   := $(sort $(shell find core nn optim data -name '*.cpp' 2>/dev/null))
TEST_SRCS  := $(sort $(wildcard tests/main.cpp tests/*/test_*.cpp tests/fuzz/*_fuzz.cpp))
BENCH_SRCS := $(sort $(wildcard tests/bench/*.cpp))
TUT_SRCS   := $(sort $(wildcard tutorials/[0-9][0-9]_*.cpp))
TUT_LIB    := $(sort $(wildcard tutorials/common/*.cpp))

LIB_OBJS   := $(LIB_SRCS:%.cpp=$(BUILD)/obj/%.o)
TEST_OBJS  := $(TEST_SRCS:%.cpp=$(BUILD)/obj/%.o)
TUT_LIB_OBJS := $(TUT_LIB:%.cpp=$(BUILD)/obj/%.o)
# The training program's own files (trainer.cpp, train_*.cpp): the tutorials
# do not need them, so `make tutorials` does not compile them.
TRAIN_LIB_OBJS  := $(filter $(BUILD)/obj/tutorials/common/train%,$(TUT_LIB_OBJS))
LESSON_LIB_OBJS := $(filter-out $(TRAIN_LIB_OBJS),$(TUT_LIB_OBJS))
LIB        := $(BUILD)/libattograd.a
TEST_BIN   := $(BUILD)/tests
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.cpp=$(BUILD)/bench/%)
TUT_BINS   := $(TUT_SRCS:tutorials/%.cpp=$(BUILD)/tutorials/%)
TRAIN_BIN  := $(if $(wildcard tutorials/train.cpp),$(BUILD)/train)
# Classroom assignments (tutorials/exercises/README.md), each graded by
# tutorials/exercises/graders/NAME_grader.cpp. Two kinds:
#  - a function assignment has a skeleton tutorials/exercises/NAME.cpp and a
#    reference solution tests/exercise_solutions/NAME.cpp; the grader is linked
#    with each (NAME_skeleton, NAME_solution);
#  - a framework assignment is a set of regions of the library itself, marked
#    "ASSIGNMENT NAME/REGION: begin/end"; NAME_solution is the grader with the library
#    as it is, NAME_skeleton the grader with those files cut by make handout's
#    tool (build/cut/NAME/...).
# tests/exercises/test_exercises.cpp checks both scores (0 and 100).
EXERCISES     := $(sort $(patsubst tutorials/exercises/graders/%_grader.cpp,%,$(wildcard tutorials/exercises/graders/*_grader.cpp)))
FUNCTION_EXERCISES  := $(filter $(patsubst tutorials/exercises/%.cpp,%,$(wildcard tutorials/exercises/*.cpp)),$(EXERCISES))
FRAMEWORK_EXERCISES := $(filter-out $(FUNCTION_EXERCISES),$(EXERCISES))
# A handout without tests/exercise_solutions/ still builds: only existing solutions are graded.
EXERCISE_SOLVED := $(filter $(FUNCTION_EXERCISES),$(patsubst tests/exercise_solutions/%.cpp,%,$(wildcard tests/exercise_solutions/*.cpp))) \
                   $(FRAMEWORK_EXERCISES)
EXERCISE_BINS := $(EXERCISES:%=$(BUILD)/exercises/%_skeleton) $(EXERCISE_SOLVED:%=$(BUILD)/exercises/%_solution)
GRADER_OBJ    := $(BUILD)/obj/tutorials/exercises/graders/grader.o $(BUILD)/obj/tutorials/exercises/graders/diagnose.o
EXERCISE_OBJS := $(GRADER_OBJ) $(EXERCISES:%=$(BUILD)/obj/tutorials/exercises/graders/%_grader.o) \
                 $(FUNCTION_EXERCISES:%=$(BUILD)/obj/tutorials/exercises/%.o) $(FUNCTION_EXERCISES:%=$(BUILD)/obj/tests/exercise_solutions/%.o)

DOCTEST_HEADER := /usr/include/doctest/doctest.h

.PHONY: all test debug asan bench train train-dataset tutorials tutorial gdb lines clean doctest help compile_commands.json
all: $(LIB) $(TEST_BIN) $(BENCH_BINS) $(TUT_BINS) $(TRAIN_BIN)

# doctest comes from Debian's doctest-dev. As root we install it; otherwise we
# stop and print the one command that does.
doctest:
	@if [ ! -f $(DOCTEST_HEADER) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "doctest missing: installing Debian's doctest-dev"; \
	    (apt-get install -y -qq doctest-dev >/dev/null 2>&1 || \
	     (apt-get update -qq && apt-get install -y -qq doctest-dev >/dev/null)) || exit 1; \
	  else \
	    echo "doctest is missing. Install it with:  sudo apt-get install -y doctest-dev"; exit 1; \
	  fi; \
	fi

# g++ only: the standard headers of core/std_headers.h, parsed once into a
# precompiled header that every object of this build then loads (about a third
# less compile time). The copy of the header beside the .gch is what g++ reads
# instead if it finds the .gch unusable. clang builds go without it.
CXX_IS_GCC := $(shell $(CXX) --version 2>/dev/null | head -n 1 | grep -q 'g++\|GCC' && echo yes)
ifeq ($(CXX_IS_GCC),yes)
  PCH       := $(BUILD)/pch/std_headers.h.gch
  PCH_FLAGS := -include $(BUILD)/pch/std_headers.h
  # ccache caches objects built with a precompiled header only when told to.
  export CCACHE_SLOPPINESS := pch_defines,time_macros
$(PCH): core/std_headers.h
	@mkdir -p $(dir $@)
	cp $< $(BUILD)/pch/std_headers.h
	$(CXX) $(CXXFLAGS) -x c++-header $< -o $@
endif

$(BUILD)/obj/%.o: %.cpp $(PCH)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(PCH_FLAGS) -c $< -o $@

# The suite's own files and the graders are compiled at -Og rather than -O3:
# they spend their time in the library (built with OPTFLAGS; only the
# hand-out's cut copies of library files, grading builds, take -Og), and -Og
# compiles doctest's many small functions in about 60% of the time, which on
# 2 cores was 50 s of a fresh `make test` (measured: the tests' objects took
# 124 s at -O3, 72 s at -Og, and the suite ran no slower). -Og is also what
# g++ recommends for code one steps through.
# (g++ 12 at -Og warns "may be used uninitialized" inside <regex>'s own
# std::function, a false positive: that one warning is off for these files.)
TEST_OPTFLAGS := $(subst -O3,-Og -Wno-maybe-uninitialized,$(OPTFLAGS))
TEST_CXXFLAGS  = $(subst $(OPTFLAGS),$(TEST_OPTFLAGS),$(CXXFLAGS))
# The tutorials' own files likewise (their arithmetic runs in the library; a
# first `make tutorials` compiles 27 of them), but not the trainer's.
LESSON_OBJS := $(LESSON_LIB_OBJS) $(TUT_SRCS:%.cpp=$(BUILD)/obj/%.o)
$(TEST_OBJS) $(EXERCISE_OBJS) $(LESSON_OBJS): $(BUILD)/obj/%.o: %.cpp $(PCH)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@

# optim/ rounds each step as PyTorch does, once per torch op (optim/sgd.cpp
# says why): the compiler must not fuse a product into the next addition.
# The parity test's hand-written reference steps likewise.
FP_STRICT_OBJS := $(filter $(BUILD)/obj/optim/%,$(LIB_OBJS)) $(BUILD)/obj/tests/optim/test_optim_parity.o
$(FP_STRICT_OBJS): CXXFLAGS += -ffp-contract=off

# Test objects need the doctest header first (order-only: no rebuild when it appears).
$(TEST_OBJS): | doctest

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

# The tutorials' shared step functions are linked in too: tests/tutorials/test_tutorials.cpp checks them.
$(TEST_BIN): $(TEST_OBJS) $(TUT_LIB_OBJS) $(LIB)
	$(CXX) $(TEST_OBJS) $(TUT_LIB_OBJS) $(LIB) $(LDFLAGS) -o $@

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $< $(LIB) $(LDFLAGS) -o $@

$(BUILD)/tutorials/%: $(BUILD)/obj/tutorials/%.o $(LESSON_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $< $(LESSON_LIB_OBJS) $(LIB) $(LDFLAGS) -o $@

$(BUILD)/train: $(BUILD)/obj/tutorials/train.o $(TUT_LIB_OBJS) $(LIB)
	$(CXX) $< $(TUT_LIB_OBJS) $(LIB) $(LDFLAGS) -o $@

# The grader programs (the suite runs them; order-only: no relink of the tests).
$(TEST_BIN): | $(EXERCISE_BINS)
.SECONDARY: $(EXERCISE_OBJS)  # built by pattern rules, but kept: they are not throwaway
# The cut copies too: make would otherwise delete them after the run, and its
# "rm build/cut/..." line would follow the suite's "N passed, N failed".
.PRECIOUS: $(BUILD)/cut/%.cpp $(BUILD)/cut/%.o

$(FUNCTION_EXERCISES:%=$(BUILD)/exercises/%_skeleton): $(BUILD)/exercises/%_skeleton: \
    $(BUILD)/obj/tutorials/exercises/graders/%_grader.o $(BUILD)/obj/tutorials/exercises/%.o $(GRADER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@

$(FUNCTION_EXERCISES:%=$(BUILD)/exercises/%_solution): $(BUILD)/exercises/%_solution: \
    $(BUILD)/obj/tutorials/exercises/graders/%_grader.o $(BUILD)/obj/tests/exercise_solutions/%.o $(GRADER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@

# Framework assignments. The skeleton's copy of a library file F, with NAME's
# regions replaced, is build/cut/NAME/F; its object comes before the library
# on the link line, so it stands in for F's own object.
cut_sources = $(shell grep -l -E "ASSIGNMENT ([a-z0-9_]+,)*$(1)(,[a-z0-9_]+)*/[a-z0-9_]+: begin" $(LIB_SRCS) 2>/dev/null)
cut_objects = $(patsubst %.cpp,$(BUILD)/cut/$(1)/%.o,$(call cut_sources,$(1)))
cut_name    = $(firstword $(subst /, ,$(1)))
cut_path    = $(patsubst $(call cut_name,$(1))/%,%,$(1))
.SECONDEXPANSION:
$(FRAMEWORK_EXERCISES:%=$(BUILD)/exercises/%_skeleton): $(BUILD)/exercises/%_skeleton: \
    $(BUILD)/obj/tutorials/exercises/graders/%_grader.o $$(call cut_objects,$$*) $(GRADER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@

$(FRAMEWORK_EXERCISES:%=$(BUILD)/exercises/%_solution): $(BUILD)/exercises/%_solution: \
    $(BUILD)/obj/tutorials/exercises/graders/%_grader.o $(GRADER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@

$(BUILD)/cut/%.cpp: $$(call cut_path,$$*).cpp tutorials/exercises/skeletons/$$(call cut_name,$$*).txt \
    tutorials/exercises/tools/cut_regions.awk
	@mkdir -p $(dir $@)
	awk -v ex=$(call cut_name,$*) -v path=$(call cut_path,$*).cpp -f tutorials/exercises/tools/cut_regions.awk \
	  tutorials/exercises/skeletons/$(call cut_name,$*).txt $< > $@.tmp && mv $@.tmp $@

$(BUILD)/cut/%.o: $(BUILD)/cut/%.cpp $(PCH)
	$(CXX) $(TEST_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@

# The suite prints doctest's report, then "N passed, N failed" as its last line.
test: $(TEST_BIN)
	./$(TEST_BIN) $(TEST_ARGS)

debug:
	$(MAKE) MODE=debug all

asan:
	$(MAKE) MODE=asan build/asan/tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  ./build/asan/tests $(TEST_ARGS)

bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "== $$b"; ./$$b || exit 1; done

# Real data for `make train`: Debian's dataset-fashion-mnist. As root we install
# it (as `doctest` does for the tests); otherwise we print the one command and
# the trainer falls back to its synthetic shapes. Skipped when ARGS picks a dataset.
FASHION_MNIST_DIR ?= /usr/share/datasets/fashion-mnist
USER_ID ?= $(shell id -u)
train-dataset:
	@if [ ! -d $(FASHION_MNIST_DIR) ]; then \
	  if [ "$(USER_ID)" = 0 ]; then \
	    echo "Fashion-MNIST missing: installing Debian's dataset-fashion-mnist"; \
	    apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || \
	    (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null) || \
	    echo "could not install dataset-fashion-mnist: training on the synthetic shapes"; \
	  else \
	    echo "Fashion-MNIST is not installed; for real data run:  sudo apt-get install -y dataset-fashion-mnist"; \
	  fi; \
	fi

train: $(TRAIN_BIN) | $(if $(findstring --dataset,$(ARGS)),,train-dataset)
	./$(TRAIN_BIN) $(ARGS)

tutorials: $(TUT_BINS)
	@for t in $(TUT_BINS); do echo; echo "==================== $$t"; ./$$t || exit 1; done

# One tutorial: builds only its program (and the library), then runs it.
# ARGS go to the program, e.g. make tutorial T=02 ARGS="--save /tmp/steps".
TUT_ONE := $(firstword $(filter $(BUILD)/tutorials/$(T)_%,$(TUT_BINS)))
tutorial: $(TUT_ONE)
	@test -n "$(TUT_ONE)" || { echo "usage: make tutorial T=NN  (NN one of $(foreach s,$(TUT_SRCS),$(firstword $(subst _, ,$(notdir $(s))))))"; exit 1; }
	./$(TUT_ONE) $(ARGS)

help:
	@sed -n '/^#   make/s/^#   //p' Makefile

# clangd / VS Code: one entry per source file, with the flags this Makefile
# compiles it with (no bear needed). Not used by the build or the tests.
compile_commands.json:
	@{ echo "["; first=1; \
	  for f in $(LIB_SRCS) $(TEST_SRCS) $(BENCH_SRCS) $(TUT_SRCS) $(TUT_LIB) $(wildcard tutorials/train.cpp tutorials/exercises/*.cpp tutorials/exercises/graders/*.cpp); do \
	    [ $$first = 1 ] || echo ","; first=0; \
	    printf '  {"directory": "%s", "file": "%s", "command": "%s %s -c %s"}' \
	      "$(CURDIR)" "$$f" "$(lastword $(CXX))" "$(filter-out -MMD -MP,$(CXXFLAGS))" "$$f"; \
	  done; echo; echo "]"; } > $@.tmp && mv $@.tmp $@
	@echo "wrote $@"

# Grade an assignment: make grade EX=softmax_backward grades the student's
# tutorials/exercises/softmax_backward.cpp; SRC=hand_in.cpp grades that file instead.
# Either way the object file is checked first against the assignment's
# allow-list (tutorials/exercises/NAME.allow): a forbidden call scores 0.
# make grade-all EX=NAME DIR=folder grades every folder/*.cpp, one process each,
# into OUT (default DIR/grades/): grades.csv and one report per hand-in.
GRADE_TOOLS := tutorials/exercises/tools
GRADE_WORK  := $(BUILD)/exercises/handins
# A hand-in is compiled at -O1: grading is about answers, and -O3 would triple a class's compile time.
GRADE_ENV    = CXX="$(CXX)" CXXFLAGS="$(patsubst -O3,-O1,$(filter-out -MMD -MP,$(CXXFLAGS)))" LDFLAGS="$(LDFLAGS)" \
               GRADER_LINK="$(BUILD)/obj/tutorials/exercises/graders/$(EX)_grader.o $(GRADER_OBJ) $(LIB)"
.PHONY: grade grade-all grade-prereqs
grade-prereqs:
	@test -n "$(EX)" -a -n "$(filter $(EX),$(EXERCISES))" || { echo "usage: make grade EX=<name> [SRC=file.cpp]   exercises: $(EXERCISES)"; exit 1; }
	@$(MAKE) --no-print-directory $(BUILD)/obj/tutorials/exercises/graders/$(EX)_grader.o $(GRADER_OBJ) $(LIB)
	@mkdir -p $(GRADE_WORK)

grade: grade-prereqs
ifneq ($(filter $(EX),$(FRAMEWORK_EXERCISES)),)
	@$(MAKE) --no-print-directory $(BUILD)/exercises/$(EX)_solution $(TEST_BIN)
	@suites="$$(sed -n 's/^@tests //p' tutorials/exercises/skeletons/$(EX).txt)"; \
	  if [ -n "$$suites" ]; then echo "== the suite's own tests of this region: $$suites"; ./$(TEST_BIN) -ts="$$suites" || true; echo; fi
	@./$(BUILD)/exercises/$(EX)_solution
else ifeq ($(SRC),)
	@$(MAKE) --no-print-directory $(BUILD)/exercises/$(EX)_skeleton
	@$(GRADE_TOOLS)/check_calls.sh $(EX) $(BUILD)/obj/tutorials/exercises/$(EX).o || { echo; echo "score: 0/100"; exit 0; } && \
	  ./$(BUILD)/exercises/$(EX)_skeleton
else
	@$(GRADE_ENV) $(GRADE_TOOLS)/grade_one.sh $(EX) $(SRC) $(GRADE_WORK)/$(EX)
endif

# A student's copy: make handout EX=engine,adam OUT=/tmp/course (see tutorials/exercises/README.md).
.PHONY: handout
handout:
	@test -n "$(EX)" -a -n "$(OUT)" || { echo "usage: make handout EX=<name>[,<name>...] OUT=<folder>   exercises: $(EXERCISES)"; exit 1; }
	@$(GRADE_TOOLS)/handout.sh $(EX) $(OUT)

grade-all: grade-prereqs
	@test -n "$(DIR)" || { echo "usage: make grade-all EX=<name> DIR=<folder of hand-ins> [OUT=<folder>]"; exit 1; }
	@$(GRADE_ENV) $(GRADE_TOOLS)/grade_all.sh $(EX) $(DIR) $(or $(OUT),$(DIR)/grades)

# Step through a tutorial in gdb with attograd's pretty-printers loaded:
#  (make gdb T=02, then e.g.  break step_scores / run / p scores)
gdb:
	$(MAKE) MODE=debug $(patsubst tutorials/%.cpp,build/debug/tutorials/%,$(firstword $(wildcard tutorials/$(T)_*.cpp)))
	gdb -q -x tutorials/gdb/attograd_gdb.py $(patsubst tutorials/%.cpp,build/debug/tutorials/%,$(firstword $(wildcard tutorials/$(T)_*.cpp)))

# Fuzzing (tests/fuzz/fuzz_harness.h): one libFuzzer binary per file reader,
# built with clang, ASan and UBSan. Run one on its seeds for a minute with
#   build/fuzz/bin/json -max_total_time=60 build/fuzz/corpus/json tests/fuzz/corpus/json
# (new inputs go to the first folder; the checked-in seeds stay as they are).
FUZZ_CXX     ?= clang++
FUZZERS      := $(patsubst tests/fuzz/%_fuzz.cpp,%,$(wildcard tests/fuzz/*_fuzz.cpp))
FUZZ_BINS    := $(FUZZERS:%=build/fuzz/bin/%)
.PHONY: fuzz fuzzers
fuzz:
	@command -v $(firstword $(FUZZ_CXX)) >/dev/null 2>&1 || command -v $(lastword $(FUZZ_CXX)) >/dev/null 2>&1 || \
	  { echo "make fuzz needs clang++ with libFuzzer (apt-get install clang libclang-rt-dev)"; exit 1; }
	$(MAKE) MODE=fuzz CXX="$(FUZZ_CXX)" fuzzers
	@for f in $(FUZZERS); do mkdir -p build/fuzz/corpus/$$f; done
	@echo "built $(FUZZ_BINS)"

fuzzers: $(FUZZ_BINS)

build/fuzz/bin/%: build/fuzz/obj/tests/fuzz/%_fuzz.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $< $(LIB) $(LDFLAGS) -fsanitize=fuzzer -o $@

lines:
	@for room in core nn optim data tutorials tests; do \
	  printf "%-10s %6s lines\n" $$room "$$(find $$room -name '*.cpp' -o -name '*.h' | xargs cat 2>/dev/null | wc -l)"; done
	@echo "largest files:"; find core nn optim data tutorials tests -name '*.cpp' -o -name '*.h' | xargs wc -l | sort -rn | sed -n '2,9p'

clean:
	rm -rf build

# Keep the object files of programs (make would delete them as intermediates).
.SECONDARY:

-include $(shell find $(BUILD)/obj $(BUILD)/cut -name '*.d' 2>/dev/null)
