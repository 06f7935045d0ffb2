// tests/exercise_hidden/max_pool_backward_hidden.h: F5's hidden checks (the teacher's only).
//
// Never in a hand-out (make handout leaves tests/exercise_hidden/ out): the
// sizes, windows and the order of the values (distinct ones, and ties) are drawn from a seed
// of the student's name, the assignment and the salt below
// (judge::student_seed). max_pool_backward_grader.cpp includes this file at
// its end. The points add up to 100.
#pragma once

namespace {

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(judge::student_seed("max_pool_backward", student, "F5: hidden 61f0a9"));
  auto count = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  const uint64_t seed = pick.next_u64() % 1000 + 10;
  const ag::Shape plain{count(1, 2), count(1, 3), count(4, 7), count(4, 7)};
  const ag::Shape strided{1, count(1, 3), count(5, 8), count(5, 8)};
  const ag::Shape padded{count(1, 2), 2, count(4, 7), count(4, 7)};
  const ag::Shape tied{1, count(1, 3), count(4, 7), count(4, 7)};
  return joined({
      random_case("x " + ag::shape_str(plain) + ", 2x2 windows (sizes from your name)", 25, plain,
                  {2, 2, 0}, seed),
      random_case("x " + ag::shape_str(strided) + ", 3x3 windows, stride 2 (from your name)", 25,
                  strided, {3, 2, 0}, seed + 1),
      random_case("x " + ag::shape_str(padded) + ", 3x3 windows, stride 1, padding 1", 25, padded,
                  {3, 1, 1}, seed + 2),
      tie_case("x " + ag::shape_str(tied) + " of 0s, 1s and 2s, 3x3 windows, stride 1, padding 1:" +
                   " ties go to the first max",
               25, tied, {3, 1, 1}, seed + 3),
  });
}

}  // namespace
