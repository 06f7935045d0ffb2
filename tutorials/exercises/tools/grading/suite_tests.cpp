// tutorials/exercises/tools/grading/suite_tests.cpp: see suite_tests.h.
#include "tutorials/exercises/tools/grading/suite_tests.h"

#include <cstring>
#include <regex>

#include "tutorials/exercises/sandbox/sandbox.h"
#include "tutorials/exercises/tools/grading/process.h"

namespace grading {

SuiteOutcome run_suite_tests(const std::vector<std::string>& cxx, const std::string& suites,
                             const std::vector<std::string>& link_first,
                             const std::vector<std::string>& objects,
                             const std::vector<std::string>& link_last,
                             const std::vector<std::string>& ldflags, const std::string& work) {
  SuiteOutcome outcome;
  if (suites.empty() || link_first.empty()) return outcome;
  const std::string program = work + "/suite";
  std::vector<std::string> link = cxx;
  for (const auto* part : {&link_first, &objects, &link_last, &ldflags})
    link.insert(link.end(), part->begin(), part->end());
  link.push_back("-o");
  link.push_back(program);
  const Finished linked = run_command(link, 120);
  if (linked.status != 0) {
    outcome.summary = "suite " + suites + ": did not link with your files";
    outcome.column = "did not link";
    outcome.details = first_lines(linked.output, 20, "    ");
    return outcome;
  }
  sandbox::Limits limits;
  limits.wall_seconds = 60;  // a whole suite, not one check
  limits.cpu_seconds = 60;
  const sandbox::Result result = sandbox::run({program, "-ts=" + suites}, "", limits);
  // tests/main.cpp ends with "N passed, N failed".
  static const std::regex counts(R"((\d+) passed, (\d+) failed)");
  std::smatch found;
  const std::string& log = result.log;
  std::string last;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), counts); it != std::sregex_iterator();
       ++it)
    last = it->str();
  if (!last.empty() && std::regex_search(last, found, counts)) {
    outcome.ran = true;
    outcome.passed = std::stoi(found[1]);
    outcome.failed = std::stoi(found[2]);
  }
  if (!result.breach.empty() || !outcome.ran) {
    // How: the sandbox's words for a limit or a forbidden call, else the
    // signal that ended it (a recursion too deep for the stack: SIGSEGV).
    const bool crashed = result.breach.empty() && result.signal != 0;
    outcome.column = crashed ? "crashed" : "stopped";
    std::string how = outcome.column;
    if (!result.breach.empty()) how += " (" + result.breach + ")";
    if (crashed) how += std::string(" (") + strsignal(result.signal) + ")";
    outcome.summary = "suite " + suites + ": " + how + " before its count";
    outcome.details = first_lines(log, 40, "    ");
    outcome.ran = false;
    return outcome;
  }
  // The count is printed by the student's own program: a static destructor
  // could print a better one after it. The exit status backs it: doctest
  // exits non-zero when a test failed, so "0 failed" with a failing status
  // counts as a failure.
  if (outcome.failed == 0 && result.exit_status != 0) outcome.failed = 1;
  outcome.summary = "suite " + suites + ": " + std::to_string(outcome.passed) + " passed, " +
                    std::to_string(outcome.failed) + " failed";
  if (outcome.failed > 0) outcome.details = first_lines(log, 40, "    ");
  return outcome;
}

}  // namespace grading
