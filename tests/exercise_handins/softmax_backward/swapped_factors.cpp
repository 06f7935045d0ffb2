// A common bug: dx_j = dy_j * (y_j - s) with s = sum_i y_i dy_i, the right
// per-row sum but y and dy swapped outside it (the correct dx_j is
// y_j * (dy_j - s)). Rows of dx then no longer sum to 0; the report must say
// so and name the swap.
#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* y_row = y + r * cols;
    const float* dy_row = dy + r * cols;
    double s = 0.0;
    for (int64_t i = 0; i < cols; ++i) s += static_cast<double>(y_row[i]) * dy_row[i];
    for (int64_t j = 0; j < cols; ++j)
      dx[r * cols + j] = static_cast<float>(dy_row[j] * (y_row[j] - s));
  }
}

}  // namespace ex
