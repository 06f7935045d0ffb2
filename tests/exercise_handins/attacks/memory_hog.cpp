// Attack (or a bug): memory without end. A vector grows towards 10 GB, as a
// buffer that is never cleared would; unchecked, it takes the machine's
// memory from everyone else. Expected: "used more than N GiB" (RLIMIT_AS,
// named by the runner's new-handler), score 0.
#include <vector>

#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  std::vector<float> history;
  while (history.size() < (10ull << 30) / sizeof(float))
    history.resize(history.size() * 2 + 1024, 1.0f);
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float dot = 0;  // sum_i y_i dy_i: the one per-row sum
    for (int64_t j = 0; j < cols; ++j) dot += yr[j] * gr[j];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = yr[j] * (gr[j] - dot);
  }
  dx[0] += history[0] - 1.0f;  // uses it, so the compiler keeps it
}

}  // namespace ex
