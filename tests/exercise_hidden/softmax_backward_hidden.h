// tests/exercise_hidden/softmax_backward_hidden.h: A1's hidden checks (the teacher's only).
//
// Never in a hand-out (make handout leaves tests/exercise_hidden/ out), so
// neither the sizes nor the salt below are known to a student: each student's
// inputs come from a seed of their name, the assignment and the salt
// (judge::student_seed), and a hand-in that recognises the visible checks'
// inputs and answers from a table fails here. The grader includes this file
// at its end (softmax_backward_grader.cpp), so the visible checks' makers are
// in reach. The points add up to 100, like the visible ones.
#pragma once

namespace {

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(judge::student_seed("softmax_backward", student, "A1: hidden 7c2e91"));
  auto size = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  const uint64_t seed = pick.next_u64();
  const int64_t rows = size(2, 9), cols = size(3, 40), long_cols = size(100, 300),
                pairs = size(2, 6);
  return {
      random_check("dx, y " + shape_name(rows, cols) + " (sizes from your name)", 30, rows, cols,
                   seed),
      random_check("dx, y " + shape_name(1, long_cols) + " (one long row)", 20, 1, long_cols,
                   seed + 10),
      random_check("dx, y " + shape_name(pairs, 2) + " (two entries per row)", 20, pairs, 2,
                   seed + 20),
      peaked_check("dx for peaked rows, y " + shape_name(rows, cols) + ", logits of size ~40", 30,
                   rows, cols, seed + 30),
  };
}

}  // namespace
