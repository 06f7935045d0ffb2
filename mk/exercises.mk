# mk/exercises.mk: building, grading and handing out the assignments.
#
#   (make grade, grade-all, handout, grade-demo: mk/grading.mk)
#
# Classroom assignments (tutorials/exercises/README.md), each graded by
# tutorials/exercises/graders/NAME_grader.cpp. Two kinds:
#  - a function assignment has a skeleton tutorials/exercises/NAME.cpp and a
#    reference solution tests/exercise_solutions/NAME.cpp;
#  - a framework assignment is a set of regions of the library itself, marked
#    "ASSIGNMENT NAME/REGION: begin/end", which make handout's tool cuts
#    (build/cut/NAME/...): the solution is the library as it is, the skeleton
#    the library with those files cut.
# Every grader is two programs (graders/judge.h), from NAME_grader.cpp and NAME_runner.cpp:
#    NAME_judge             the teacher's: inputs, expected values, comparison, score
#    NAME_runner_skeleton   the student's side (runner_main + NAME_runner) with the skeleton,
#    NAME_runner_solution   ... with the reference solution,
# each runner linked against the CUT library (build/cut/NAME/... objects before
# the library), so the only implementation of the assignment in it is the one
# being graded; `NAME_judge --runner build/exercises/NAME_runner_solution` grades.
# tests/exercises/test_exercises.cpp checks both scores (0 and 100).
EXERCISES     := $(sort $(patsubst tutorials/exercises/graders/%_grader.cpp,%,$(wildcard tutorials/exercises/graders/*_grader.cpp)))
FUNCTION_EXERCISES  := $(filter $(patsubst tutorials/exercises/%.cpp,%,$(wildcard tutorials/exercises/*.cpp)),$(EXERCISES))
FRAMEWORK_EXERCISES := $(filter-out $(FUNCTION_EXERCISES),$(EXERCISES))
# A handout without tests/exercise_solutions/ still builds: only existing solutions are graded.
EXERCISE_SOLVED := $(filter $(FUNCTION_EXERCISES),$(patsubst tests/exercise_solutions/%.cpp,%,$(wildcard tests/exercise_solutions/*.cpp))) \
                   $(FRAMEWORK_EXERCISES)
EXERCISE_BINS := $(EXERCISES:%=$(BUILD)/exercises/%_judge) $(EXERCISES:%=$(BUILD)/exercises/%_runner_skeleton) \
                 $(filter $(EXERCISES:%=$(BUILD)/exercises/%_runner_solution),$(EXERCISE_SOLVED:%=$(BUILD)/exercises/%_runner_solution))
GRADERS_OBJ   := $(BUILD)/obj/tutorials/exercises/graders
# The sandbox (tutorials/exercises/sandbox/README.md; its rules are at the end of this file).
# SANDBOX_OBJS: the launcher, linked into whatever starts a runner (the judges, the suite).
# CONFINE_RUNNER_OBJS: what every runner links FIRST (its .preinit_array installs the seccomp
# filter before any constructor runs). Neither goes into the library archive.
SANDBOX_DIR         := tutorials/exercises/sandbox
SANDBOX_OBJS        := $(patsubst %,$(BUILD)/obj/$(SANDBOX_DIR)/%.o,sandbox start_child supervise)
CONFINE_RUNNER_OBJS := $(patsubst %,$(BUILD)/obj/$(SANDBOX_DIR)/%.o,confine_runner seccomp_filter)
GRADER_OBJ    := $(GRADERS_OBJ)/grader.o $(GRADERS_OBJ)/diagnose.o
# The judge starts runners through the sandbox (tutorials/exercises/sandbox/).
JUDGE_OBJ     := $(GRADERS_OBJ)/judge.o $(GRADERS_OBJ)/judge_report.o $(GRADERS_OBJ)/wire.o $(GRADER_OBJ) $(SANDBOX_OBJS)
# A runner: confined before any constructor runs (CONFINE_RUNNER_OBJS first), reads inputs, calls.
RUNNER_OBJ    := $(CONFINE_RUNNER_OBJS) $(GRADERS_OBJ)/runner_main.o $(GRADERS_OBJ)/wire.o
EXERCISE_OBJS := $(filter-out $(SANDBOX_OBJS) $(CONFINE_RUNNER_OBJS),$(JUDGE_OBJ) $(RUNNER_OBJ)) $(EXERCISES:%=$(GRADERS_OBJ)/%_grader.o) $(EXERCISES:%=$(GRADERS_OBJ)/%_runner.o) \
                 $(FUNCTION_EXERCISES:%=$(BUILD)/obj/tutorials/exercises/%.o) $(FUNCTION_EXERCISES:%=$(BUILD)/obj/tests/exercise_solutions/%.o)

# Compiled like the suite's own files (TEST_OPT, -Og in release: mk/flags.mk).
$(sort $(EXERCISE_OBJS)): $(BUILD)/obj/%.o: %.cpp $(PCH) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_CXXFLAGS) $(hidden_checks) $(PCH_FLAGS) -c $< -o $@

# A grader includes its hidden checks when tests/exercise_hidden/ has them (the
# teacher's checkout; never a hand-out), told so by -DAG_HIDDEN_CHECKS: a flag,
# not __has_include, so that ccache and the .d files see the difference. (Chosen
# in the recipe, by name: a target-specific variable would reach the
# precompiled header too unless marked `private`, which make 3.81 lacks.)
HIDDEN_CHECK_OBJS := $(foreach ex,$(EXERCISES),$(if $(wildcard tests/exercise_hidden/$(ex)_hidden.h),$(GRADERS_OBJ)/$(ex)_grader.o))
hidden_checks      = $(if $(filter $@,$(HIDDEN_CHECK_OBJS)),-DAG_HIDDEN_CHECKS)
$(foreach ex,$(EXERCISES),$(if $(wildcard tests/exercise_hidden/$(ex)_hidden.h),\
  $(eval $(GRADERS_OBJ)/$(ex)_grader.o: tests/exercise_hidden/$(ex)_hidden.h)))

# The grader programs (the suite runs them; order-only: no relink of the tests).
# make test builds three assignments' (a function one, A1, and two framework
# ones, F4 and F6: one case of each grading path) and skips the others' cases;
# make test-grading and make all build every one (36 links and ~50 compiles
# that would otherwise be a third of a fresh make test's build).
TEST_EXERCISES := softmax_backward layer_norm_backward adam
exercise_bins   = $(filter $(foreach ex,$(1),$(BUILD)/exercises/$(ex)_%),$(EXERCISE_BINS))
$(TEST_BIN): | $(call exercise_bins,$(TEST_EXERCISES))
all test-grading: $(EXERCISE_BINS)
.SECONDARY: $(EXERCISE_OBJS)  # built by pattern rules, but kept: they are not throwaway
# The cut copies too: make would otherwise delete them after the run, and its
# "rm build/cut/..." line would follow the suite's "N passed, N failed".
.PRECIOUS: $(BUILD)/cut/%.cpp $(BUILD)/cut/%.o

# What a runner links for assignment NAME besides its first objects: the
# grader's runner entries, then the code graded ($(1): skeleton or solution,
# nothing for a framework solution), the cut files, the library.
cut_sources = $(shell grep -l -E "ASSIGNMENT ([a-z0-9_]+,)*$(1)(,[a-z0-9_]+)*/[a-z0-9_]+: begin" $(LIB_SRCS) 2>/dev/null)
cut_objects = $(patsubst %.cpp,$(BUILD)/cut/$(1)/%.o,$(call cut_sources,$(1)))
student_object = $(if $(filter $(1),$(FUNCTION_EXERCISES)),$(if $(filter skeleton,$(2)),$(BUILD)/obj/tutorials/exercises/$(1).o,$(BUILD)/obj/tests/exercise_solutions/$(1).o))
runner_cut = $(if $(filter $(1),$(FUNCTION_EXERCISES))$(filter skeleton,$(2)),$(call cut_objects,$(1)))
.SECONDEXPANSION:
$(EXERCISES:%=$(BUILD)/exercises/%_judge): $(BUILD)/exercises/%_judge: $(GRADERS_OBJ)/%_grader.o $(JUDGE_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@

$(EXERCISES:%=$(BUILD)/exercises/%_runner_skeleton): $(BUILD)/exercises/%_runner_skeleton: \
    $(RUNNER_OBJ) $(GRADERS_OBJ)/%_runner.o $$(call student_object,$$*,skeleton) $$(call runner_cut,$$*,skeleton) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@

$(EXERCISES:%=$(BUILD)/exercises/%_runner_solution): $(BUILD)/exercises/%_runner_solution: \
    $(RUNNER_OBJ) $(GRADERS_OBJ)/%_runner.o $$(call student_object,$$*,solution) $$(call runner_cut,$$*,solution) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@

# Hand-ins the suite grades with a judge directly, not with grade-all
# (tests/exercise_handins/hidden/NAME/: test_judge.cpp runs them with --hidden):
# their runners, built like a graded hand-in's.
JUDGE_FIXTURES := softmax_backward/hardcoded_answers
$(JUDGE_FIXTURES:%=$(BUILD)/obj/tests/exercise_handins/hidden/%.o): $(BUILD)/obj/%.o: %.cpp $(PCH) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@
$(JUDGE_FIXTURES:%=$(BUILD)/exercises/fixtures/%_runner): $(BUILD)/exercises/fixtures/%_runner: \
    $(RUNNER_OBJ) $(GRADERS_OBJ)/$$(call cut_name,$$*)_runner.o $(BUILD)/obj/tests/exercise_handins/hidden/%.o \
    $$(call cut_objects,$$(call cut_name,$$*)) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@
# Runners that lie to the judge (tests/exercises/fake_runner.cpp): one program, seven names.
FAKE_RUNNERS := $(patsubst %,$(BUILD)/exercises/fake_runners/%,truncated empty forged crash replay loop peek)
$(BUILD)/obj/tests/exercises/fake_runner.o: tests/exercises/fake_runner.cpp $(PCH) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@
$(FAKE_RUNNERS): $(BUILD)/obj/tests/exercises/fake_runner.o
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@
# The suite reads records itself (test_judge.cpp), and runs the fixtures' and fake runners.
$(TEST_BIN): $(GRADERS_OBJ)/wire.o | $(JUDGE_FIXTURES:%=$(BUILD)/exercises/fixtures/%_runner) $(FAKE_RUNNERS)

# Framework assignments. The skeleton's copy of a library file F, with NAME's
# regions replaced, is build/cut/NAME/F; its object comes before the library
# on the link line, so it stands in for F's own object (the runners above).
cut_name    = $(firstword $(subst /, ,$(1)))
cut_path    = $(patsubst $(call cut_name,$(1))/%,%,$(1))

$(BUILD)/cut/%.cpp: $$(call cut_path,$$*).cpp tutorials/exercises/skeletons/$$(call cut_name,$$*).txt \
    tutorials/exercises/tools/cut_regions.awk
	@mkdir -p $(dir $@)
	awk -v ex=$(call cut_name,$*) -v path=$(call cut_path,$*).cpp -f tutorials/exercises/tools/cut_regions.awk \
	  tutorials/exercises/skeletons/$(call cut_name,$*).txt $< > $@.tmp && mv $@.tmp $@

$(BUILD)/cut/%.o: $(BUILD)/cut/%.cpp $(PCH) $(FLAGS_FILE)
	$(CXX) $(TEST_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@

# --- The sandbox and the similarity report (issue 21; tutorials/exercises/sandbox/README.md).
#
#   make similarity DIR=folder [OUT=file] [BASE=skeleton.cpp]   which hand-ins share code (as MOSS)
#
# SANDBOX_OBJS: the launcher, linked into whatever starts a runner (the judges, the suite).
# CONFINE_RUNNER_OBJS: what every runner links FIRST (its .preinit_array installs the seccomp
# filter before any constructor runs). Neither goes into the library archive.
# (SANDBOX_DIR, SANDBOX_OBJS and CONFINE_RUNNER_OBJS: at the top, the judges and runners use them.)
SANDBOX_PROBE       := $(BUILD)/exercises/sandbox_probe
SIMILARITY_BIN      := $(BUILD)/exercises/similarity
SIMILARITY_OBJS     := $(patsubst %,$(BUILD)/obj/tutorials/exercises/tools/%.o,similarity similarity_report \
                         similarity_fingerprint)
# The attack hand-ins (tests/exercise_handins/attacks/), each linked into a minimal A1 runner.
ATTACK_NAMES        := $(patsubst tests/exercise_handins/attacks/%.cpp,%,$(wildcard tests/exercise_handins/attacks/*.cpp))
ATTACK_RUNNERS      := $(ATTACK_NAMES:%=$(BUILD)/exercises/attacks/%)
$(SANDBOX_OBJS) $(CONFINE_RUNNER_OBJS) $(BUILD)/obj/tests/exercises/sandbox_probe.o \
    $(BUILD)/obj/tests/exercises/attack_runner.o $(ATTACK_NAMES:%=$(BUILD)/obj/tests/exercise_handins/attacks/%.o) \
    $(SIMILARITY_OBJS): $(BUILD)/obj/%.o: %.cpp $(PCH) $(FLAGS_FILE)
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
$(SIMILARITY_BIN): $(SIMILARITY_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@
# The suite links the launcher and the fingerprinting (test_similarity.cpp checks its steps).
$(TEST_BIN): $(SANDBOX_OBJS) $(BUILD)/obj/tutorials/exercises/tools/similarity_fingerprint.o \
    | $(SANDBOX_PROBE) $(ATTACK_RUNNERS) $(SIMILARITY_BIN)
.PHONY: similarity
similarity: $(SIMILARITY_BIN)
	@test -n "$(DIR)" || { echo "usage: make similarity DIR=<folder of hand-ins> [OUT=file] [BASE=skeleton.cpp]"; exit 1; }
	@./$(SIMILARITY_BIN) $(if $(BASE),--base $(BASE)) $(if $(OUT),--out $(OUT)) $(DIR)
