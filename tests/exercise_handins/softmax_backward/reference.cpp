// The reference solution handed in like any other file: it must score 100 and
// keep to the allow-list. A copy of tests/exercise_solutions/softmax_backward.cpp (a hand-in
// may include only the hand-out's public headers), whose comment follows.
//
// Reference solution of assignment A1 (tutorials/exercises/softmax_backward.cpp).
// Keep it out of students' hands; tests/exercises/test_exercises.cpp grades it (100/100).
//
// dy_i/dx_j = y_i (d_ij - y_j), so
//   dx_j = sum_i dy_i y_i (d_ij - y_j) = y_j (dy_j - sum_i dy_i y_i).
#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* y_row = y + r * cols;
    const float* dy_row = dy + r * cols;
    float* dx_row = dx + r * cols;
    double dot = 0.0;  // sum_i dy_i y_i, in double: long rows add many terms
    for (int64_t i = 0; i < cols; ++i) dot += static_cast<double>(dy_row[i]) * y_row[i];
    for (int64_t j = 0; j < cols; ++j) dx_row[j] = y_row[j] * (dy_row[j] - static_cast<float>(dot));
  }
}

}  // namespace ex
