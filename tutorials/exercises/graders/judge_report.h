// tutorials/exercises/graders/judge_report.h: the judge's report and result file (judge.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tutorials/exercises/graders/judge.h"

namespace judge {

// Why a check got the points it got (the result file's reason code).
enum class Code {
  pass,
  wrong,         // the outputs are wrong: the judge function said why
  threw,         // the student's code threw
  timeout,       // stopped by the wall clock
  cpu,           // used up its CPU seconds
  memory,        // used more memory than allowed
  breach,        // tried what the sandbox forbids (a file, a process, a socket, ...)
  crash,         // a signal ended it
  no_result,     // it exited without writing its outputs
  malformed,     // what it wrote is not a valid record
  grader_error,  // the judge itself failed (a bug of the grader)
  not_run,       // skipped: an earlier check of this hand-in timed out or ran out of memory
};
const char* code_name(Code code);

struct Outcome {
  Code code = Code::pass;
  std::string reason;  // why it failed, for the student; empty when it passed
};

struct Totals {
  double seconds = 0;       // the runners' wall clock, summed
  uint64_t peak_bytes = 0;  // the largest peak of any runner
};

// The report on stdout, line by line as the checks finish, and the result file's text.
class Report {
 public:
  Report(const std::string& title, const std::string& student_file);
  // False (after printing a "grader error" line) unless the points add to 100.
  bool points_add_up(const std::vector<Check>& checks, const std::string& which);
  void add(const Check& check, const Outcome& outcome, bool hidden);
  // Prints the score line: the visible points, or the mean with the hidden ones.
  void finish(const Totals& totals);
  std::string result_text() const;

 private:
  struct Line {
    std::string name;
    int got = 0, points = 0;
    Code code = Code::pass;
    std::string reason;
    bool hidden = false;
  };
  std::vector<Line> lines_;
  int visible_ = 0, hidden_ = 0, score_ = 0;
  bool any_hidden_ = false;
  Totals totals_;
};

// Writes a file whole or not at all: a temporary file beside it, then rename.
void write_atomically(const std::string& path, const std::string& text);

}  // namespace judge
