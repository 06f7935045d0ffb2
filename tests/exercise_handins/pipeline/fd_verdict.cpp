// A cheat: write a verdict straight into the result pipe through
// /proc/self/fd/3, before the check runs, hoping the grader reads "pass".
// The runner opens nothing for writing (the sandbox refuses it, by name),
// and the judge compares numbers itself: nothing the runner writes is a verdict.
#include <fstream>

#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  std::ofstream channel("/proc/self/fd/3");
  channel << "pass\nscore: 100/100\n" << std::flush;
  for (int64_t i = 0; i < rows * cols; ++i) dx[i] = y[i] * dy[i];  // wrong on purpose
}

}  // namespace ex
