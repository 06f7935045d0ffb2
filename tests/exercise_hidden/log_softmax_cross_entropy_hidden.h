// tests/exercise_hidden/log_softmax_cross_entropy_hidden.h: F3's hidden checks
// (the teacher's only).
//
// Never in a hand-out (make handout leaves tests/exercise_hidden/ out): sizes,
// the softmax's dim, the values and the ignored rows are drawn from a seed of
// the student's name, the assignment and the salt below
// (judge::student_seed). log_softmax_cross_entropy_grader.cpp includes this
// file at its end. The points add up to 100.
#pragma once

namespace {

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(
      judge::student_seed("log_softmax_cross_entropy", student, "F3: hidden 7b15e2"));
  auto count = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  const uint64_t seed = pick.next_u64() % 100000 + 1000;
  const ag::Shape rows{count(2, 6), count(3, 9)}, three{count(2, 4), count(2, 5), count(2, 4)};
  const int64_t dim = pick.randint(3);
  const ag::Shape logits{count(3, 8), count(2, 7)}, spatial{count(2, 3), count(2, 4), count(2, 4)};
  const int64_t ignored = count(1, 2);
  return {
      log_softmax_check("log_softmax backward, x " + ag::shape_str(rows) + ", dim -1", 15, rows, 1,
                        seed),
      log_softmax_check(
          "log_softmax backward, x " + ag::shape_str(three) + ", dim " + std::to_string(dim), 20,
          three, dim, seed + 10),
      log_softmax_check("log_softmax backward, x " + ag::shape_str(rows) + " times 40 (peaked)", 15,
                        rows, 1, seed + 20, 40.0f),
      cross_entropy_check("cross_entropy backward, logits " + ag::shape_str(logits), 20, logits,
                          seed + 30),
      cross_entropy_check("cross_entropy backward, logits " + ag::shape_str(logits) + " with " +
                              std::to_string(ignored) + " rows at ignore_index",
                          15, logits, seed + 40, -100, ignored),
      cross_entropy_check("cross_entropy backward, logits " + ag::shape_str(spatial) + " (N, C, d)",
                          15, spatial, seed + 50),
  };
}

}  // namespace
