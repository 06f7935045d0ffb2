// tests/exercise_hidden/self_attention_hidden.h: A5's hidden checks (the teacher's only).
//
// Never in a hand-out (tests/exercise_hidden/ is left out), so neither the
// shapes nor the salt are known to a student: each student's shapes, module
// weights and inputs come from a seed of their name, the assignment and the
// salt (judge::student_seed). Included at the end of self_attention_grader.cpp,
// so the visible checks' makers are in reach. Worth 100 together.
#pragma once

namespace {

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(judge::student_seed("self_attention", student, "A5: hidden 0d6a3c"));
  auto size = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  const uint64_t seed = pick.next_u64() % 100000;
  const ag::Shape a{size(1, 3), 8 * size(1, 3), size(1, 4), size(1, 4)},
      b{size(1, 2), 8 * size(1, 2), size(1, 3), size(1, 3)};
  const float gamma = 0.25f + pick.uniform();
  return {
      attention_check("attention map vs nn::SelfAttention's, " + in(a), 25, a, seed),
      out_check("out vs nn::SelfAttention, " + in(a), 25, a, seed + 10, gamma),
      gradients_check("gradients vs the module's, " + in(b), 50, b, seed + 20),
  };
}

}  // namespace
