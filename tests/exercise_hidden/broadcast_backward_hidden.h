// tests/exercise_hidden/broadcast_backward_hidden.h: F2's hidden checks (the teacher's only).
//
// Never in a hand-out (make handout leaves tests/exercise_hidden/ out): the
// sizes of each broadcast pattern and the values are drawn from a seed of the
// student's name, the assignment and the salt below (judge::student_seed).
// broadcast_backward_grader.cpp includes this file at its end. The points
// add up to 100.
#pragma once

namespace {

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(judge::student_seed("broadcast_backward", student, "F2: hidden d40c2b"));
  auto count = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  const uint64_t seed = pick.next_u64() % 100000 + 1000;
  const int64_t p = count(2, 4), q = count(2, 5), r = count(2, 4), m = count(2, 4), k = count(2, 5),
                n = count(2, 4);
  auto name = [](const ag::Shape& a, const char* op, const ag::Shape& b) {
    return "a " + ag::shape_str(a) + " " + op + " b " + ag::shape_str(b) +
           " (sizes from your name)";
  };
  return {
      elementwise(name({p, 1}, "+", {1, q}), 15, {p, 1}, {1, q}, "add", plus, seed),
      elementwise(name({r, p, q}, "*", {q}), 15, {r, p, q}, {q}, "mul", times, seed + 10),
      elementwise(name({p, 1, q}, "-", {r, 1}), 15, {p, 1, q}, {r, 1}, "sub", minus, seed + 20),
      elementwise(name({1, q}, "*", {p, r, 1}), 15, {1, q}, {p, r, 1}, "mul", times, seed + 30),
      matmul(name({p, 1, m, k}, "@", {r, k, n}), 15, {p, 1, m, k}, {r, k, n}, seed + 40),
      matmul(name({m, k}, "@", {p, k, n}), 15, {m, k}, {p, k, n}, seed + 50),
      matmul(name({1, m, k}, "@", {r, k, n}), 10, {1, m, k}, {r, k, n}, seed + 60),
  };
}

}  // namespace
