# attograd's build, on one page: plain GNU make (3.81, macOS's, or newer), one
# rule per object, -MMD -MP dependency files, so a one-line change rebuilds
# one object. The rest is in mk/ (flags.mk: modes, compiler, flags; tools.mk:
# debug, gdb, lint, ...; exercises.mk; packages.mk; fuzz.mk; arm64.mk: the
# cross-built arm64 suite); `make help` lists every target.
#
#   make            the library and every program (tests, tutorials, train, bench) into build/
#   make test       build and run the doctest suite; ends with "N passed, N failed"
#                   (the heaviest grading cases are make test-grading's: mk/grading.mk)
#   make test-suggestions   the tutorials' code-edit suggestions, each on an edited copy (minutes)
#   make train      the main job: train the document's AttentionNet
#   make tutorials  run every tutorial in order
#   make tutorial T=03   build and run one tutorial (ARGS="..." go to the program)
#   make clean      delete build/ (every mode, every compiler)

include mk/flags.mk
.DEFAULT_GOAL := all

# The library's rooms (data -> nn -> core, optim -> core), the suite, the programs.
LIB_SRCS   := $(sort $(shell find core nn optim data -name '*.cpp' 2>/dev/null))
TEST_SRCS  := $(sort $(wildcard tests/main.cpp tests/*/test_*.cpp tests/helpers/*.cpp tests/fuzz/*_fuzz.cpp))
BENCH_SRCS := $(sort $(wildcard tests/bench/*.cpp))
TUT_SRCS   := $(sort $(wildcard tutorials/[0-9][0-9]_*.cpp))
TUT_LIB    := $(sort $(wildcard tutorials/common/*.cpp))

LIB        := $(BUILD)/libattograd.a
LIB_OBJS   := $(LIB_SRCS:%.cpp=$(BUILD)/obj/%.o)
TEST_BIN   := $(BUILD)/tests
TEST_OBJS  := $(TEST_SRCS:%.cpp=$(BUILD)/obj/%.o)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.cpp=$(BUILD)/bench/%)
TUT_BINS   := $(TUT_SRCS:tutorials/%.cpp=$(BUILD)/tutorials/%)
TRAIN_BIN  := $(if $(wildcard tutorials/train.cpp),$(BUILD)/train)
# tutorials/common/: the lessons' step functions and the trainer's files (train*.cpp).
TUT_LIB_OBJS   := $(TUT_LIB:%.cpp=$(BUILD)/obj/%.o)
TRAIN_LIB_OBJS := $(filter $(BUILD)/obj/tutorials/common/train%,$(TUT_LIB_OBJS))
LESSON_OBJS    := $(filter-out $(TRAIN_LIB_OBJS),$(TUT_LIB_OBJS)) $(TUT_SRCS:%.cpp=$(BUILD)/obj/%.o)

all: $(LIB) $(TEST_BIN) $(BENCH_BINS) $(TUT_BINS) $(TRAIN_BIN)

# An object depends on its source, its headers (the .d files, at the end),
# the precompiled header (g++) and the flags it was compiled with.
$(BUILD)/obj/%.o: %.cpp $(PCH) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(LIB_CXXFLAGS) $(no_fma) $(PCH_FLAGS) -c $< -o $@

# The suite's and the tutorials' own files take TEST_OPT (-Og: mk/flags.mk says why).
$(TEST_OBJS) $(LESSON_OBJS): $(BUILD)/obj/%.o: %.cpp $(PCH) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_CXXFLAGS) $(no_fma) $(PCH_FLAGS) -c $< -o $@
$(TEST_OBJS): | doctest   # doctest's header first (order-only: no rebuild when it appears)

# optim/ rounds each step as PyTorch does, once per torch op (optim/sgd.cpp
# says why): the compiler must not fuse a product into the next addition.
# The parity test's hand-written reference steps likewise. (Chosen in the
# recipes, by name: a target-specific variable would reach the precompiled
# header too unless marked `private`, which macOS's make 3.81 does not know.)
NO_FMA_OBJS := $(filter $(BUILD)/obj/optim/%,$(LIB_OBJS)) $(BUILD)/obj/tests/optim/test_optim_parity.o
no_fma       = $(if $(filter $@,$(NO_FMA_OBJS)),-ffp-contract=off)

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

# The suite links the tutorials' step functions too: tests/tutorials/ checks them.
# Other makefiles add prerequisites (the page's and the graders' objects): they
# land after the library in $^, so the library is named once more after them
# (a static library only resolves what precedes it).
$(TEST_BIN): $(TEST_OBJS) $(TUT_LIB_OBJS) $(LIB)
	$(CXX) $^ $(LIB) $(LDFLAGS) -o $@

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@

# A tutorial links only the lesson files it includes (mk/lessons.mk finds them).
include mk/lessons.mk
.SECONDEXPANSION:
$(TUT_BINS): $(BUILD)/tutorials/%: $(BUILD)/obj/tutorials/%.o $$(call lesson_objects,tutorials/$$*.cpp) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@

$(BUILD)/train: $(BUILD)/obj/tutorials/train.o $(TUT_LIB_OBJS) $(LIB)
	$(CXX) $^ $(LDFLAGS) -o $@

.PHONY: all test test-suggestions train tutorials tutorial clean
# The suite prints doctest's report, then "N passed, N failed" as its last line.
# The tutorials too (tests/tutorials/test_tutorials_suggestions.cpp runs them),
# and Chromium for the browser tests (mk/packages.mk: installed as root).
test: $(TEST_BIN) $(TUT_BINS) | chromium
	./$(TEST_BIN) $(TEST_ARGS)

# The tutorials' suggestions that are code edits: each compiles an edited copy (about a minute).
test-suggestions: $(TEST_BIN) $(TUT_BINS)
	./$(TEST_BIN) --no-skip -ts="tutorials.suggestions.edits"

train: $(TRAIN_BIN) | $(if $(findstring --dataset,$(ARGS)),,train-dataset)
	./$(TRAIN_BIN) $(ARGS)

tutorials: $(TUT_BINS)
	@for t in $(TUT_BINS); do echo; echo "==================== $$t"; ./$$t || exit 1; done

TUT_NUMBERS := $(foreach s,$(TUT_SRCS),$(firstword $(subst _, ,$(notdir $(s)))))
TUT_ONE     := $(firstword $(filter $(BUILD)/tutorials/$(T)_%,$(TUT_BINS)))
tutorial: $(TUT_ONE)
	@test -n "$(TUT_ONE)" || { echo "usage: make tutorial T=NN  (NN one of $(TUT_NUMBERS))"; exit 1; }
	./$(TUT_ONE) $(ARGS)

clean:
	rm -rf build

include mk/tools.mk mk/exercises.mk mk/grading.mk mk/framework_handins.mk mk/packages.mk mk/fuzz.mk
include mk/page.mk mk/arm64.mk

# Keep every object (make would delete a program's objects as intermediates).
.SECONDARY:
-include $(shell find $(BUILD)/obj $(BUILD)/cut -name '*.d' 2>/dev/null)
