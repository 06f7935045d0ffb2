// tests/exercise_hidden/attention_hidden.h: A2's hidden checks (the teacher's only).
//
// Never in a hand-out (tests/exercise_hidden/ is left out), so neither the
// shapes nor the salt are known to a student: each student's shapes and
// values come from a seed of their name, the assignment and the salt
// (judge::student_seed). Included at the end of attention_grader.cpp, so
// the visible checks' makers are in reach. Worth 100 together.
#pragma once

namespace {

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(judge::student_seed("attention", student, "A2: hidden 3f81d0"));
  auto size = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  const uint64_t seed = pick.next_u64() % 100000;
  const AttentionShape cross{size(1, 3), size(2, 6), size(2, 7), size(2, 6), size(2, 5), false};
  const int64_t T = size(3, 7);
  const AttentionShape masked{size(1, 2), T, T, size(2, 5), size(2, 4), true};
  const AttentionShape small{1,          size(2, 4), size(2, 4),
                             size(2, 3), size(2, 3), pick.randint(2) == 1};
  std::vector<judge::Check> checks = {
      forward_check("forward: out and weights, " + describe(cross), cross, seed),
      forward_check("forward: out and weights, " + describe(masked), masked, seed + 10),
      forward_check("forward: large scores, " + describe(cross) + ", Q and K times 12", cross,
                    seed + 20, 12.0f),
      backward_check("backward: dQ, dK, dV, " + describe(cross), cross, seed + 30, "QKV"),
      backward_check("backward: dQ, dK, dV, " + describe(masked), masked, seed + 40, "QKV"),
      finite_differences_check(
          "backward vs finite differences of sum(out * dout), " + describe(small), small,
          seed + 50),
  };
  const int points[] = {15, 15, 15, 20, 20, 15};
  for (size_t i = 0; i < checks.size(); ++i) checks[i].points = points[i];
  return checks;
}

}  // namespace
