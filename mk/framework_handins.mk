# mk/framework_handins.mk: the suite's framework hand-ins (tests/exercise_handins/EX/STUDENT/).
#
# A framework hand-in is a folder per student holding the student's copies of
# the library files with assignment EX's regions, at their paths in the
# repository (tests/exercise_handins/engine/recursive/core/autograd.cpp). Its
# runner, build/exercises/handins/EX/STUDENT/runner, links EX's runner entries,
# the hand-in's files, the CUT copies of EX's other files (build/cut/EX/...:
# a file the student did not hand in is the hand-out's, regions cut), then the
# library, the way a runner of the skeleton is linked (mk/exercises.mk).
# tests/exercises/test_framework_handins.cpp grades each with build/exercises/EX_judge.
HANDIN_SRCS := $(sort $(foreach ex,$(FRAMEWORK_EXERCISES),$(shell find tests/exercise_handins/$(ex) -name '*.cpp' 2>/dev/null)))
HANDIN_OBJS := $(HANDIN_SRCS:%.cpp=$(BUILD)/obj/%.o)
# tests/exercise_handins/EX/STUDENT/... -> EX/STUDENT
handin_student = $(word 3,$(subst /, ,$(1)))/$(word 4,$(subst /, ,$(1)))
HANDIN_STUDENTS := $(sort $(foreach src,$(HANDIN_SRCS),$(call handin_student,$(src))))
HANDIN_RUNNERS  := $(HANDIN_STUDENTS:%=$(BUILD)/exercises/handins/%/runner)

# Compiled like the suite's own files (TEST_OPT).
$(HANDIN_OBJS): $(BUILD)/obj/%.o: %.cpp $(PCH) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@

# $(1) = EX/STUDENT: the hand-in's objects, and the cut objects of the files it lacks.
handin_objects = $(filter $(BUILD)/obj/tests/exercise_handins/$(1)/%,$(HANDIN_OBJS))
handin_cut = $(foreach src,$(call cut_sources,$(firstword $(subst /, ,$(1)))),\
  $(if $(filter tests/exercise_handins/$(1)/$(src),$(HANDIN_SRCS)),,\
  $(BUILD)/cut/$(firstword $(subst /, ,$(1)))/$(src:.cpp=.o)))
define handin_runner_rule
$(BUILD)/exercises/handins/$(1)/runner: $(RUNNER_OBJ) $(GRADERS_OBJ)/$(firstword $(subst /, ,$(1)))_runner.o \
    $(call handin_objects,$(1)) $(call handin_cut,$(1)) $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CXX) $$^ $$(LDFLAGS) -o $$@
endef
$(foreach student,$(HANDIN_STUDENTS),$(eval $(call handin_runner_rule,$(student))))

# The suite runs them (order-only: no relink of the tests): make test the one
# hand-in it keeps (F4's naive_wrong), make test-grading all of them.
$(TEST_BIN): | $(filter %/layer_norm_backward/naive_wrong/runner,$(HANDIN_RUNNERS))
test-grading: $(HANDIN_RUNNERS)
.SECONDARY: $(HANDIN_OBJS)
