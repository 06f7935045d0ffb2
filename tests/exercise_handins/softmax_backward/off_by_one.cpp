// A common bug: the per-row sum sum_i dy_i y_i starts at i = 1 (an index off
// by one), so every dx_j of a row is off by y_j * dy_0 * y_0. The report must
// say that rows of dx no longer sum to 0 and that the error is c * y per row.
#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* y_row = y + r * cols;
    const float* dy_row = dy + r * cols;
    float dot = 0.0f;
    for (int64_t i = 1; i < cols; ++i) dot += dy_row[i] * y_row[i];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = y_row[j] * (dy_row[j] - dot);
  }
}

}  // namespace ex
