// tutorials/exercises/tools/grading/gradebook.h: a class's grades, written by
// the grading tool (never by anything a hand-in runs), each file atomically.
//
//   grades.csv   file,score,<one column per check: points got>,reason,seconds,peak memory
//   summary.md   each check's pass rate, a histogram of scores, the reasons counted
//   timings.csv  file,seconds,peak bytes: the measured numbers
//
// A rerun writes byte-identical grades.csv and summary.md: rows are sorted by
// file, and the two measured columns of grades.csv are coarse classes
// ("under 10 s", "10-100 s", "over 100 s"; "under 256 MiB", "over 256 MiB")
// whose bounds are far from what an ordinary hand-in uses (all its checks
// together: about a second, a few MiB) or a stopped one (a time-out per
// check, the 2 GiB limit), so load on the machine does not move a row. The
// exact numbers change from run to run; they are in timings.csv, which makes
// no such promise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace grading {

struct CheckResult {
  std::string name;
  int got = 0, max = 0;
  std::string reason;   // the judge's code: "pass", "wrong", "threw", "timeout", "memory", ...
  bool hidden = false;  // a hidden check (inputs seeded per student): one column for them all
};

struct Row {
  std::string file;                 // the hand-in as the teacher named it
  int score = 0;                    // the sum of the checks' points (the judge's own count)
  std::vector<CheckResult> checks;  // empty when the hand-in never ran
  std::string reason;               // "" when it scored 100; else "compile error", ...
  double seconds = 0;               // the judge's runs of the runner (wall clock)
  uint64_t peak_bytes = 0;          // the runner's largest peak resident memory
  std::string suite;                // framework: the suite's tests of the region ("14/14"), or ""
};

// Writes text to path through path.tmp and a rename: a reader sees the old
// file or the new one, never half of one. Throws std::runtime_error on failure.
void write_atomically(const std::string& path, const std::string& text);

std::string seconds_class(double seconds);
std::string memory_class(uint64_t bytes);

// The three files, from every row (any order: they are sorted here).
std::string grades_csv(std::vector<Row> rows);
std::string summary_md(const std::string& assignment, std::vector<Row> rows);
std::string timings_csv(std::vector<Row> rows);

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

}  // namespace grading
