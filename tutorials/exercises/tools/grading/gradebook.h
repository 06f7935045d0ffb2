// tutorials/exercises/tools/grading/gradebook.h: a class's grades, written by
// the grading tool (never by anything a hand-in runs), each file atomically.
//
//   grades.csv   file,score,<one column per check: points got>,[hidden checks,]reason
//   summary.md   each check's pass rate, a histogram of scores, the reasons counted
//   timings.csv  file,seconds,peak bytes: the measured numbers
//
// A rerun writes byte-identical grades.csv and summary.md: rows are sorted by
// file, and nothing measured is in them. Time and memory go to timings.csv
// alone, which makes no such promise: any rounding has a boundary that the
// machine's load can push a hand-in across (in one class of 60 under load, a
// hand-in with one 5 s time-out measured 5.5 s and, graded again, 11.0 s).
// What a limit did is in the reason already ("timeout", "memory").
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

// The three files, from every row (any order: they are sorted here).
std::string grades_csv(std::vector<Row> rows);
std::string summary_md(const std::string& assignment, std::vector<Row> rows);
std::string timings_csv(std::vector<Row> rows);

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

}  // namespace grading
