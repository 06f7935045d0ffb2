// tests/exercise_hidden/multihead_attention_hidden.h: F7's hidden checks (the teacher's only).
//
// Never in a hand-out (make handout leaves tests/exercise_hidden/ out): sizes
// and values drawn from a seed of the student's name, the assignment and the
// salt below (judge::student_seed), so a hand-in tuned to the visible checks'
// shapes fails here. multihead_attention_grader.cpp includes this file at its
// end. The points add up to 100.
#pragma once

namespace {

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(judge::student_seed("multihead_attention", student, "F7: hidden 2a61d4"));
  auto count = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  const uint64_t seed = pick.next_u64() % 100000 + 1000;
  // Heads of width d in 2..3 (the backward's finite differences stay small).
  auto sizes = [&](bool causal, bool cross) {
    const int64_t H = count(1, 3), d = count(2, 3), L = count(2, 4);
    return Sizes{count(1, 2), L, cross ? count(2, 5) : L, H * d, H, causal};
  };
  const Sizes self = sizes(false, false), causal = sizes(true, false), cross = sizes(false, true);
  const Sizes small{1, count(2, 3), 0, 0, 2, false};
  const Sizes tiny{small.B, small.L, small.L, 4, 2, false}, tiny_causal{1, 3, 3, 4, 2, true};
  return {
      forward_check("forward, head-averaged weights, " + describe(self), 20, self, seed, true),
      forward_check("forward, per-head weights, " + describe(self), 10, self, seed + 10, false),
      forward_check("forward with a causal mask, " + describe(causal), 15, causal, seed + 20, true),
      forward_check("forward, cross-attention, " + describe(cross), 10, cross, seed + 30, false),
      backward_check("backward vs finite differences, " + describe(tiny), 25, tiny, seed + 40),
      backward_check("backward with the causal mask, " + describe(tiny_causal), 20, tiny_causal,
                     seed + 50),
  };
}

}  // namespace
