// tutorials/exercises/tools/grading/process.h: running the compiler, the
// linker and the judge from the grading tool, each with a wall-clock limit.
//
// Plain POSIX (fork, exec, poll, a process group): no GNU `timeout`, so the
// tool works on macOS too. The hand-in's own code never runs here: the judge
// starts it, confined (tutorials/exercises/sandbox/).
#pragma once

#include <string>
#include <vector>

namespace grading {

struct Finished {
  int status = -1;         // the exit status, or -1 when a signal ended it
  bool timed_out = false;  // stopped at the wall-clock limit (its whole process group)
  std::string output;      // stdout and stderr, interleaved, at most 256 KiB
  double seconds = 0;      // wall clock
};

// Runs argv (argv[0] looked up in PATH) in `dir` ("" = here), stdin empty, and
// waits at most wall_seconds; then its process group is killed.
Finished run_command(const std::vector<std::string>& argv, double wall_seconds,
                     const std::string& dir = "");

// "ccache g++" -> {"ccache", "g++"}: make's word lists, split at blanks.
std::vector<std::string> words(const std::string& list);

// The first `count` lines of text, each indented by `indent`.
std::string first_lines(const std::string& text, int count, const std::string& indent);

}  // namespace grading
