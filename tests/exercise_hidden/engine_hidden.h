// tests/exercise_hidden/engine_hidden.h: F1's hidden checks (the teacher's only).
//
// Never in a hand-out (make handout leaves tests/exercise_hidden/ out). The
// same graphs as the visible checks, on leaf values (and a chain length)
// drawn from a seed of the student's name, the assignment and the salt below
// (judge::student_seed): an engine that recognises the visible inputs and
// answers from a table fails here. engine_grader.cpp includes this file at
// its end, so its check makers are in reach. The points add up to 100.
#pragma once

namespace {

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(judge::student_seed("engine", student, "F1: hidden 5e0b83"));
  // n values in [-2, 2], none closer to 0 than 0.25 (a zero would hide a missing part).
  auto values = [&](int64_t n) {
    Values v(static_cast<size_t>(n));
    for (float& x : v) x = (0.25f + 1.75f * pick.uniform()) * (pick.randint(2) ? 1.0f : -1.0f);
    return v;
  };
  auto count = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  const int64_t chain = count(20000, 40000);  // the stack budget tells recursion from 20,000 on
  return {
      x_times_x("x * x, x from your name", 10, values(count(2, 9))),
      reused_leaf("(a + a) + 3a, a from your name", 10, values(count(2, 9))),
      diamond("the diamond sum(2a * a^2), a from your name", 15, values(count(2, 9))),
      uneven_paths("a short and a long path into one node, a from your name", 15,
                   values(count(2, 9))),
      long_chain("a chain of " + count_str(chain) + " ops (no recursion)", 15, chain),
      twice_retained("backward twice with retain_graph, x from your name", 10, values(count(2, 9))),
      twice_freed("backward twice without retain_graph, x from your name", 10, values(count(2, 9))),
      given_gradient("a non-scalar root with a given gradient, values from your name", 15,
                     values(4), values(4), values(4)),
  };
}

}  // namespace
