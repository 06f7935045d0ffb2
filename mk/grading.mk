# mk/grading.mk: handing out, grading one hand-in, grading a class.
#
#   make handout EX=NAME[,NAME] OUT=dir        a student copy with the assignment's regions cut
#   make grade EX=NAME [SRC=file.cpp|folder]   grade your work (or SRC) as the teacher will
#   make grade-all EX=NAME DIR=folder [OUT=dir]   a class: grades.csv, summary.md, reports
#   make grade-demo                            a class of 60 made from the fixtures, graded
#   make test-grading   the grading suites whole: every hand-in pile, hand-out, make grade (minutes)
#
# The pipeline (tutorials/exercises/README.md, "For teachers"), per assignment
# NAME, all under build/grading/NAME/, built once and reused for every hand-in:
#   handout/     the scratch hand-out (handout.sh): a hand-in is compiled with
#                -I this folder only, and may include its public headers only;
#   cut/PATH.o   each library file holding a region of NAME (or of NAME_runner:
#                what the hand-out keeps, for the library to work or for the
#                judge to compare with, but the runner must not reach) with
#                those regions cut (cut_regions.awk), compiled;
#   librest.a    the library's other objects.
# A hand-in's runner is sandbox/confine_runner.o (first: it confines before
# any constructor runs), runner_main.o, NAME_runner.o, the hand-in's
# object(s), the cut objects, librest.a: the only implementation of what NAME
# asks for in the program is the student's. The judge (build/exercises/NAME_judge,
# the teacher's, whole library) starts it confined and scores. The grading
# tool (tutorials/exercises/tools/grading/, C++: no GNU tools needed) drives it all.
GRADING        := $(BUILD)/grading
GRADE_TOOL     := $(BUILD)/exercises/grade_tool
GRADE_TOOL_OBJS := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(wildcard tutorials/exercises/tools/grading/*.cpp))
GRADE_SKELETONS = tutorials/exercises/skeletons/$(1).txt $(wildcard tutorials/exercises/skeletons/$(1)_runner.txt)

$(GRADE_TOOL_OBJS): $(BUILD)/obj/%.o: %.cpp $(PCH) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@
$(GRADE_TOOL): $(GRADE_TOOL_OBJS) $(SANDBOX_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(LDFLAGS) -o $@
$(TEST_BIN): | $(GRADE_TOOL)

# The library files NAME's runner gets cut (regions of NAME or NAME_runner).
runner_cut_sources = $(shell grep -l -E "ASSIGNMENT ([a-z0-9_]+,)*$(1)(_runner)?(,[a-z0-9_]+)*/[a-z0-9_]+: begin" \
                       $(LIB_SRCS) 2>/dev/null)
# The files a framework hand-in may hold: the library files with NAME's regions.
handin_sources     = $(shell grep -l -E "ASSIGNMENT ([a-z0-9_]+,)*$(1)(,[a-z0-9_]+)*/[a-z0-9_]+: begin" \
                       $(LIB_SRCS) 2>/dev/null)
# A framework assignment's "@tests" suites, and the suite's objects that hold them.
grade_comma        := ,
grade_suites        = $(shell sed -n 's/^@tests //p' tutorials/exercises/skeletons/$(1).txt)
grade_suite_objects = $(if $(call grade_suites,$(1)),$(BUILD)/obj/tests/main.o $(patsubst %.cpp,$(BUILD)/obj/%.o,\
  $(shell grep -l -E 'TEST_SUITE\("($(subst $(grade_comma),|,$(call grade_suites,$(1))))"\)' $(TEST_SRCS))))
runner_cut_objects = $(patsubst %.cpp,$(GRADING)/$(1)/cut/%.o,$(call runner_cut_sources,$(1)))
# build/grading/NAME/cut/PATH -> PATH
grading_path       = $(patsubst $(call cut_name,$(1))/cut/%,%,$(1))

$(GRADING)/%/handout/.made: tutorials/exercises/skeletons/%.txt tutorials/exercises/tools/handout.sh \
    tutorials/exercises/tools/cut_regions.awk $(LIB)
	@rm -rf $(GRADING)/$*/handout $(GRADING)/$*/handout.tmp
	@tutorials/exercises/tools/handout.sh $* $(GRADING)/$*/handout.tmp > /dev/null
	@mv $(GRADING)/$*/handout.tmp $(GRADING)/$*/handout && touch $@

.SECONDEXPANSION:
$(GRADING)/%.cpp: $$(call grading_path,$$*).cpp $$(call GRADE_SKELETONS,$$(call cut_name,$$*)) \
    tutorials/exercises/tools/cut_regions.awk
	@mkdir -p $(dir $@)
	@awk -v ex=$(call cut_name,$*)_runner,$(call cut_name,$*) -v path=$(call grading_path,$*).cpp \
	  -f tutorials/exercises/tools/cut_regions.awk $(call GRADE_SKELETONS,$(call cut_name,$*)) $< > $@.tmp && mv $@.tmp $@
$(GRADING)/%.o: $(GRADING)/%.cpp $(PCH) $(FLAGS_FILE)
	$(CXX) $(LIB_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@
$(GRADING)/%/librest.a: $$(filter-out $$(patsubst %.cpp,$(BUILD)/obj/%.o,$$(call runner_cut_sources,$$*)),$(LIB_OBJS))
	@mkdir -p $(dir $@)
	@rm -f $@
	@ar qcs $@ $^
.PRECIOUS: $(GRADING)/%.cpp $(GRADING)/%.o $(GRADING)/%/librest.a $(GRADING)/%/handout/.made

# What the tool is given (grade_handin.h: Setup). The runner's objects and the
# judge are the graders' (mk/exercises.mk), the confining entry the sandbox's.
GRADE_CONFINE     = $(CONFINE_RUNNER_OBJS)
GRADE_KIND        = $(if $(filter $(EX),$(FRAMEWORK_EXERCISES)),framework,function)
GRADE_CUT         = $(call runner_cut_objects,$(EX))
GRADE_SUITE_OBJS  = $(if $(filter framework,$(GRADE_KIND)),$(call grade_suite_objects,$(EX)))
GRADE_PREREQS     = $(GRADE_TOOL) $(GRADING)/$(EX)/handout/.made $(GRADE_CUT) $(GRADING)/$(EX)/librest.a \
                    $(RUNNER_OBJ) $(GRADERS_OBJ)/$(EX)_runner.o \
                    $(BUILD)/exercises/$(EX)_judge $(GRADE_SUITE_OBJS)
# A hand-in is compiled at -O1 (grading is about answers; -O3 would triple a
# class's compile time), with the library's flags but -I the hand-out (the tool adds it).
GRADE_ENV = GRADE_KIND=$(GRADE_KIND) GRADE_HANDOUT=$(GRADING)/$(EX)/handout GRADE_CXX="$(CXX)" \
  GRADE_CXXFLAGS="$(patsubst -O3,-O1,$(filter-out -I. -MMD -MP,$(LIB_CXXFLAGS)))" GRADE_LDFLAGS="$(LDFLAGS)" \
  GRADE_RUNNER_FIRST="$(RUNNER_OBJ) $(GRADERS_OBJ)/$(EX)_runner.o" \
  GRADE_HIDDEN=$(if $(wildcard tests/exercise_hidden/$(EX)_hidden.h),1,0) \
  GRADE_RUNNER_LAST="$(if $(filter function,$(GRADE_KIND)),$(GRADE_CUT)) $(GRADING)/$(EX)/librest.a" \
  GRADE_REGION_FILES="$(call handin_sources,$(EX))" GRADE_CUT_OBJECTS=$(GRADING)/$(EX)/cut \
  GRADE_JUDGE=$(BUILD)/exercises/$(EX)_judge GRADE_CHECK_CALLS=tutorials/exercises/tools/check_calls.sh \
  GRADE_SUITES="$(call grade_suites,$(EX))" GRADE_SUITE_FIRST="$(if $(GRADE_SUITE_OBJS),$(GRADE_CONFINE) $(GRADE_SUITE_OBJS))"

.PHONY: grade grade-all grade-prereqs handout grade-demo grade-every
grade-prereqs:
	@test -n "$(EX)" -a -n "$(filter $(EX),$(EXERCISES))" || \
	  { echo "usage: make grade EX=<name> [SRC=file.cpp|folder]   exercises: $(EXERCISES)"; exit 1; }
	@$(MAKE) --no-print-directory $(GRADE_PREREQS)

# Without SRC: your own work. A function assignment's is tutorials/exercises/NAME.cpp;
# a framework assignment's is the files holding its regions, in this checkout.
GRADE_SELF = $(GRADING)/$(EX)/yours
grade: grade-prereqs
ifeq ($(SRC),)
ifeq ($(GRADE_KIND),framework)
	@rm -rf $(GRADE_SELF) && mkdir -p $(GRADE_SELF) && tar -cf - $(call handin_sources,$(EX)) | tar -xf - -C $(GRADE_SELF)
	@$(GRADE_ENV) $(GRADE_TOOL) one $(EX) $(GRADE_SELF) $(GRADING)/$(EX)/work-yours
else
	@# (and the runner with your file, for gdb: README.md, "For students")
	@$(MAKE) --no-print-directory $(BUILD)/exercises/$(EX)_runner_skeleton
	@$(GRADE_ENV) $(GRADE_TOOL) one $(EX) tutorials/exercises/$(EX).cpp $(GRADING)/$(EX)/work-yours
endif
else
	@$(GRADE_ENV) $(GRADE_TOOL) one $(EX) $(SRC) $(GRADING)/$(EX)/work-one
endif

grade-all: grade-prereqs
	@test -n "$(DIR)" || { echo "usage: make grade-all EX=<name> DIR=<folder of hand-ins> [OUT=<folder>]"; exit 1; }
	@$(GRADE_ENV) $(GRADE_TOOL) all $(EX) $(DIR) $(or $(OUT),$(DIR)/grades) $(or $(JOBS),2)

# A student's copy: make handout EX=engine,adam OUT=/tmp/course (see tutorials/exercises/README.md).
handout:
	@test -n "$(EX)" -a -n "$(OUT)" || { echo "usage: make handout EX=<name>[,<name>...] OUT=<folder>   exercises: $(EXERCISES)"; exit 1; }
	@tutorials/exercises/tools/handout.sh $(EX) $(OUT)

# The suite tests the tool's logic in-process (tests/exercises/test_grade_all.cpp).
$(TEST_BIN): $(filter-out %/grade_main.o,$(GRADE_TOOL_OBJS))

# A class of 60 for A1: copies of the fixtures (the reference solution, the
# common bugs, the cheats, the attacks), each under a student's name, graded
# as a teacher would. Prints how long it took (2 at a time; the hand-out and
# the cut library are built first and not counted).
GRADE_DEMO := $(GRADING)/demo
grade-demo:
	@$(MAKE) --no-print-directory grade-prereqs EX=softmax_backward
	@rm -rf $(GRADE_DEMO) && mkdir -p $(GRADE_DEMO)/handins
	@set -- tests/exercise_solutions/softmax_backward.cpp tests/exercise_handins/softmax_backward/*.cpp \
	  tests/exercise_handins/pipeline/*.cpp $(wildcard tests/exercise_handins/attacks/*.cpp); \
	  i=0; while [ $$i -lt 60 ]; do for f in "$$@"; do [ $$i -lt 60 ] || break; i=$$((i + 1)); \
	    cp "$$f" $(GRADE_DEMO)/handins/student_$$(printf %02d $$i)_$$(basename "$$f"); done; done
	@start=$$(date +%s); \
	  $(MAKE) --no-print-directory grade-all EX=softmax_backward DIR=$(GRADE_DEMO)/handins OUT=$(GRADE_DEMO)/grades; \
	  echo "grade-demo: 60 hand-ins of softmax_backward graded in $$(( $$(date +%s) - start )) s"; \
	  cat $(GRADE_DEMO)/grades/summary.md

# The grading suites (exercises.*, A1-A5, F1-F7) with the cases make test
# skips (doctest::skip(): the class piles, the teachers' workflow, every
# hand-out's compile, make grade, every judge on zeroed outputs), which
# compile hand-ins or run many runners: a minute or two on 2 cores. make test
# keeps one case of each path. Its last line is "N passed, N failed" too.
# (grade-every's case is left to grade-every.)
GRADING_SUITES := exercises.*,A? *,F? *
.PHONY: test-grading
test-grading: $(TEST_BIN)  # (framework hand-ins included: they are graded through grade-all)
	./$(TEST_BIN) --no-skip -ts="$(GRADING_SUITES)" -tce="grading: every assignment*" $(TEST_ARGS)

# Every assignment through the pipeline: the reference solution scores 100
# and the skeleton 0 (a test the suite skips: minutes of compiling).
.PHONY: grade-every
grade-every: $(TEST_BIN)
	./$(TEST_BIN) --no-skip -tc="grading: every assignment*"
