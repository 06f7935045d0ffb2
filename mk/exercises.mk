# mk/exercises.mk: building, grading and handing out the assignments.
#
#   (make grade, grade-all, handout, grade-demo: mk/grading.mk)
#
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

# Compiled like the suite's own files (TEST_OPT, -Og in release: mk/flags.mk).
$(EXERCISE_OBJS): $(BUILD)/obj/%.o: %.cpp $(PCH) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@

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

$(BUILD)/cut/%.o: $(BUILD)/cut/%.cpp $(PCH) $(FLAGS_FILE)
	$(CXX) $(TEST_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@

# --- The sandbox and the similarity report (issue 21; tutorials/exercises/sandbox/README.md).
# SANDBOX_OBJS: the launcher, linked into whatever starts a runner (the judges, the suite).
# CONFINE_RUNNER_OBJS: what every runner links FIRST (its .preinit_array installs the seccomp
# filter before any constructor runs). Neither goes into the library archive.
SANDBOX_DIR         := tutorials/exercises/sandbox
SANDBOX_OBJS        := $(patsubst %,$(BUILD)/obj/$(SANDBOX_DIR)/%.o,sandbox start_child supervise)
CONFINE_RUNNER_OBJS := $(patsubst %,$(BUILD)/obj/$(SANDBOX_DIR)/%.o,confine_runner seccomp_filter)
SANDBOX_PROBE       := $(BUILD)/exercises/sandbox_probe
SIMILARITY_BIN      := $(BUILD)/exercises/similarity
# The attack hand-ins (tests/exercise_handins/attacks/), each linked into a minimal A1 runner.
ATTACK_NAMES        := $(patsubst tests/exercise_handins/attacks/%.cpp,%,$(wildcard tests/exercise_handins/attacks/*.cpp))
ATTACK_RUNNERS      := $(ATTACK_NAMES:%=$(BUILD)/exercises/attacks/%)
$(SANDBOX_OBJS) $(CONFINE_RUNNER_OBJS) $(BUILD)/obj/tests/exercises/sandbox_probe.o \
    $(BUILD)/obj/tests/exercises/attack_runner.o $(ATTACK_NAMES:%=$(BUILD)/obj/tests/exercise_handins/attacks/%.o) \
    $(BUILD)/obj/tutorials/exercises/tools/similarity.o: $(BUILD)/obj/%.o: %.cpp $(PCH) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@
# The suite's probe: one program, one attack per mode (tests/exercises/sandbox_probe.cpp).
$(SANDBOX_PROBE): $(CONFINE_RUNNER_OBJS) $(BUILD)/obj/tests/exercises/sandbox_probe.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@
$(ATTACK_RUNNERS): $(BUILD)/exercises/attacks/%: $(CONFINE_RUNNER_OBJS) $(BUILD)/obj/tests/exercises/attack_runner.o \
    $(BUILD)/obj/tests/exercise_handins/attacks/%.o
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@
$(SIMILARITY_BIN): $(BUILD)/obj/tutorials/exercises/tools/similarity.o
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@
$(TEST_BIN): $(SANDBOX_OBJS) | $(SANDBOX_PROBE) $(ATTACK_RUNNERS)
.PHONY: similarity
similarity: $(SIMILARITY_BIN)
	@test -n "$(DIR)" || { echo "usage: make similarity DIR=<folder of hand-ins> [OUT=file] [BASE=skeleton.cpp]"; exit 1; }
	@./$(SIMILARITY_BIN) $(if $(BASE),--base $(BASE)) $(if $(OUT),--out $(OUT)) $(DIR)
