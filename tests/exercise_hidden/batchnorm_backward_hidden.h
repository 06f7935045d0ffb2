// tests/exercise_hidden/batchnorm_backward_hidden.h: A4's hidden checks (the teacher's only).
//
// Never in a hand-out (tests/exercise_hidden/ is left out), so neither the
// shapes nor the salt are known to a student: each student's shapes and
// values come from a seed of their name, the assignment and the salt
// (judge::student_seed). Included at the end of batchnorm_backward_grader.cpp,
// so the visible checks' makers are in reach. Worth 100 together.
#pragma once

namespace {

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(judge::student_seed("batchnorm_backward", student, "A4: hidden 91c4ea"));
  auto size = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  const uint64_t seed = pick.next_u64() % 100000;
  const ag::Shape flat{size(3, 40), size(1, 6)},
      image{size(1, 5), size(1, 5), size(1, 4), size(1, 4)};
  return {
      check("dx, dgamma, dbeta" + in(flat), 30, make_case(flat, seed), "xgb"),
      check("dx, dgamma, dbeta" + in(image), 40, make_case(image, seed + 10), "xgb"),
      check("dx" + in(image) + ", values within ~1e-3", 30, make_case(image, seed + 20, 1e-3f), "x",
            1e-2, 1e-8),
  };
}

}  // namespace
