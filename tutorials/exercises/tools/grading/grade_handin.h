// tutorials/exercises/tools/grading/grade_handin.h: one hand-in, from its
// file (or folder) to a row of the gradebook and a report.
//
// A function hand-in (one .cpp): copied into its own scratch folder (so an
// #include "..." finds nothing beside it), compiled with -I the scratch
// hand-out only, its includes and object checked (handin_checks.h, then
// check_calls.sh: the allow-list), linked into the runner with the CUT
// library, graded by the judge, which starts the runner confined.
// A framework hand-in (a folder holding the student's copies of the files
// with the assignment's regions, at their paths in the repository, or one
// .patch against the hand-out): each of those files compiled the same way and
// linked with the hand-out's other objects in place of the cut ones.
#pragma once

#include <string>
#include <vector>

#include "tutorials/exercises/tools/grading/gradebook.h"

namespace grading {

// What make passes in (mk/grading.mk): the environment of the tool.
struct Setup {
  std::string assignment;                  // softmax_backward, engine, ...
  bool framework = false;                  // a folder (or patch) per student
  std::string teacher_root;                // the teacher's checkout (to name a forbidden include)
  std::string handout;                     // build/grading/NAME/handout: the scratch hand-out
  std::vector<std::string> cxx, cxxflags;  // the compiler and the hand-in's flags (no -I)
  std::vector<std::string> ldflags;
  std::vector<std::string> runner_first;  // confine_runner.o runner_main.o NAME_runner.o
  std::vector<std::string> runner_last;   // the cut library (and, framework, its cut objects)
  std::vector<std::string> region_files;  // framework: the files a student hands in
  std::string cut_objects;                // framework: folder of PATH.o, the hand-out's objects
  std::string judge;                      // build/exercises/NAME_judge
  std::string suites;                     // framework: doctest -ts of the "@tests" line
  std::vector<std::string> suite_first;   // confining objects, tests/main.o, the suites' objects
  std::string check_calls;                // tutorials/exercises/tools/check_calls.sh
  std::vector<std::string> system_dirs;   // the compiler's <...> folders
  bool hidden = false;                    // the judge also runs its hidden checks (teacher)
  double judge_seconds = 300;             // the judge's own wall limit (each check has its own)
};

// Reads the environment (GRADE_*, documented in mk/grading.mk); throws
// std::runtime_error naming what is missing.
Setup setup_from_environment(const std::string& assignment);

struct Graded {
  Row row;
  std::string report;  // the judge's report, or the refusal; last line "score: N/100"
};

// Grades `handin` (a path) in `work` (emptied first). `name` is its row's file.
Graded grade_handin(const Setup& setup, const std::string& handin, const std::string& name,
                    const std::string& work);

}  // namespace grading
