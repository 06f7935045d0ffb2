// tutorials/exercises/tools/grading/suite_tests.h: a framework hand-in also
// runs the suite's own tests of its region (the "@tests" line of
// skeletons/NAME.txt), built from the student's copy and run confined.
//
// The suite program is tests/main.o and the suite's files that hold those
// test suites (the teacher's objects: the tests are the teacher's), linked
// with the student's objects and the cut library, sandbox/confine_runner.o
// first, exactly as the runner is. It runs under sandbox::run with the
// runner's limits (it writes no file, starts no process). Its result is a
// column of the gradebook and a line of the report; the score stays the
// judge's (the suite's tests say "it works", the judge's checks say how much).
#pragma once

#include <string>
#include <vector>

namespace grading {

struct SuiteOutcome {
  bool ran = false;  // false: nothing to run, it did not link, or it stopped before its count
  int passed = 0, failed = 0;
  std::string column;   // the gradebook's cell when it did not run to its count:
                        // "did not link", "crashed" or "stopped"
  std::string summary;  // one line for the report: "suite core.autograd: 14 passed, 0 failed"
  std::string details;  // the failing cases' output (at most 40 lines)
};

// Links and runs the suite program in `work`. `suites` is doctest's -ts list
// ("core.norm,kernels.norm"); `link_first` the confining objects, main.o and
// the test objects; `objects` the hand-in's; `link_last` the cut library.
SuiteOutcome run_suite_tests(const std::vector<std::string>& cxx, const std::string& suites,
                             const std::vector<std::string>& link_first,
                             const std::vector<std::string>& objects,
                             const std::vector<std::string>& link_last,
                             const std::vector<std::string>& ldflags, const std::string& work);

}  // namespace grading
