// tests/exercise_hidden/layer_norm_backward_hidden.h: F4's hidden checks (the teacher's only).
//
// Never in a hand-out (make handout leaves tests/exercise_hidden/ out): shapes
// and values drawn from a seed of the student's name, the assignment and the
// salt below (judge::student_seed). layer_norm_backward_grader.cpp includes
// this file at its end. Both kernels again, each its own points; 100 in all.
#pragma once

namespace {

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(judge::student_seed("layer_norm_backward", student, "F4: hidden 93c7e0"));
  auto count = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  const uint64_t seed = pick.next_u64() % 100000 + 1000;
  const int64_t rows = count(2, 9), width = count(3, 24), lead = count(2, 4), inner = count(2, 5);
  std::vector<judge::Check> checks;
  add_both(checks, "x " + ag::shape_str({rows, width}) + " over the last dim (from your name)", 30,
           {{rows, width}, width, true}, seed);
  add_both(checks,
           "x " + ag::shape_str({lead, rows, inner}) + " over the last two dims (from your name)",
           30, {{lead, rows, inner}, rows * inner, true}, seed + 10);
  add_both(checks, "x " + ag::shape_str({rows, width}) + ", no weight or bias (from your name)", 20,
           {{rows, width}, width, false}, seed + 20);
  add_both(checks, "x " + ag::shape_str({rows, width}) + " within ~1e-3 (from your name)", 20,
           {{rows, width}, width, true}, seed + 30, 1e-3f);
  return checks;
}

}  // namespace
