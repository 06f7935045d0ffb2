// Attack: /proc/self/mem, the process's own memory as a file. Opened for
// writing, it can patch the running program's code, read-only pages
// included: the check bodies, or the comparison, if the grader ran the
// hand-in in its own process. Expected: "tried to open a file for writing"
// (the seccomp filter), score 0.
#include <fstream>

#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  std::fstream memory("/proc/self/mem", std::ios::in | std::ios::out | std::ios::binary);
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float dot = 0;  // sum_i y_i dy_i: the one per-row sum
    for (int64_t j = 0; j < cols; ++j) dot += yr[j] * gr[j];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = yr[j] * (gr[j] - dot);
  }
  if (memory) dx[0] += 0.0f;  // opened: here it would write over the grader's code
}

}  // namespace ex
