// tests/exercises/attack_runner.cpp: a minimal A1 runner for the attack hand-ins.
//
//   build/exercises/attacks/NAME   (tests/exercise_handins/attacks/NAME.cpp linked in)
//
// What the graders' runners do, reduced to one check: confine_runner's
// objects come first on the link line, main calls the hand-in's
// ex::softmax_backward on one fixed input and writes dx on the result
// channel (fd 3). test_sandbox.cpp starts it through sandbox::run and reads
// the breach; the grading pipeline's own tests grade the same files with the real judge.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tutorials/exercises/softmax_backward.h"

int main() {
  // Two rows of a softmax (each sums to 1) and an upstream gradient.
  const float y[6] = {0.5f, 0.25f, 0.25f, 0.125f, 0.375f, 0.5f};
  const float dy[6] = {1, 2, 3, -1, 0, 1};
  float dx[6] = {9, 9, 9, 9, 9, 9};
  ex::softmax_backward(y, dy, dx, 2, 3);
  std::string out;
  for (float v : dx) out += std::to_string(v) + " ";
  out += "\n";
  return write(3, out.data(), out.size()) == ssize_t(out.size()) ? 0 : 1;
}
