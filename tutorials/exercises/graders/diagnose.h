// tutorials/exercises/graders/diagnose.h: what a wrong tensor tells about the bug.
//
// A report that says "expected 0, got 0.00228" for one element leaves the
// student guessing. Most bugs leave a shape in the errors: every element of
// one row, only the diagonal, a constant added to each row, everything scaled
// by sqrt(D), the whole matrix transposed. describe_errors() looks for those
// shapes and says which one it found, as a human marker would.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace grade {

// Where the wrong elements of got (vs expected, both of `shape`) sit, as one
// sentence, or "" when no pattern stands out. The matrix view is
// (rows = everything but the last dim, cols = the last dim); "transposed"
// compares the last two dims.
std::string describe_errors(const ag::Shape& shape, const float* got, const float* expected,
                            double atol, double rtol);

// "2.82843 = sqrt(8)", "0.5 = 1/2", or just the number: a factor a student
// may have missed is usually a small integer, its square root or its inverse.
std::string name_factor(double k);

// The invariants a correct answer satisfies, checked on the student's output
// beside the element-wise comparison. Each failed one is reported under the
// wrong-tensor message, with a hint that points at the likely bug.
struct Diagnosis {
  std::vector<std::string> failed;  // "rows of dx sum to 0: row 2 sums to 0.0456"
  std::vector<std::string> hints;   // "a term missing from the per-row sum?"
  void invariant(bool holds, const std::string& what) {
    if (!holds) failed.push_back(what);
  }
  void hint(const std::string& text) { hints.push_back(text); }
  std::string text() const;  // "" when nothing failed and there is no hint
};

}  // namespace grade
