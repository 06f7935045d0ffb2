// Attack: a forged report. The answer is wrong (all zeros), but a static
// destructor prints "score: 100/100" after the grader's last line, hoping
// whatever reads the report takes the last score line it sees. In the
// sandbox it prints into the runner's log, and the score is the judge's own
// count. Expected: the judge's score for zeros (0), its own last line.
#include <iostream>

#include "tutorials/exercises/softmax_backward.h"

namespace {

struct Forger {
  ~Forger() { std::cout << "\nscore: 100/100" << std::endl; }
} forger;

}  // namespace

namespace ex {

void softmax_backward(const float*, const float*, float* dx, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows * cols; ++i) dx[i] = 0.0f;
}

}  // namespace ex
