// tutorials/exercises/tools/grading/judge_result.h: running the judge on a
// linked runner and reading its machine-readable result (--result FILE).
//
// The score is the judge's own record, read from the file the judge writes
// (atomically, in the hand-in's scratch folder, which the confined runner
// cannot write): never a "score:" line of any output a hand-in could print.
#pragma once

#include <string>

#include "tutorials/exercises/tools/grading/grade_handin.h"

namespace grading {

// Runs the judge on `runner` for student `name` (its hidden checks are seeded
// from the name) and turns its result file into a row; the report is the
// judge's, ended by the tool's own "score: N/100".
Graded judge(const Setup& setup, const std::string& runner, const std::string& name,
             const std::string& work);

// The row a result file describes (parsing only: the suite checks it).
Row parse_result(const std::string& text, const std::string& name);

// The row's reason, from its checks' reason codes: "" at full marks; else the
// codes other than "pass", each once, in the order met ("wrong; timeout").
std::string row_reason(const Row& row);

}  // namespace grading
