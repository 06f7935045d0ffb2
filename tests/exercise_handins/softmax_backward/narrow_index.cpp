// A loop that never ends: an unsigned char index wraps at 256, so a row of
// 257 entries loops forever. The grader must stop that check after 5 s and
// grade the others.
#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* y_row = y + r * cols;
    const float* dy_row = dy + r * cols;
    double dot = 0.0;
    // (volatile: clang may drop a loop without side effects, assumed to end)
    for (volatile unsigned char i = 0; i < cols; i = i + 1)
      dot += static_cast<double>(dy_row[i]) * y_row[i];
    for (int64_t j = 0; j < cols; ++j)
      dx[r * cols + j] = y_row[j] * (dy_row[j] - static_cast<float>(dot));
  }
}

}  // namespace ex
