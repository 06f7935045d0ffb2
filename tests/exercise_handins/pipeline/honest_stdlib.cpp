// An honest hand-in that uses the standard library's ordinary internals: a
// debugging line with fprintf, std::string::find (memchr), std::to_string of
// a double (vsnprintf), log2 and atan2 from <cmath>. The allow-list lets all
// of them through; the answer is right: 100.
#include <cmath>
#include <cstdio>
#include <string>

#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  const std::string note = "rows=" + std::to_string(double(rows));
  if (note.find('=') == std::string::npos) std::fprintf(stderr, "%s\n", note.c_str());
  // atan2(0, cols) is 0 and log2(rows / rows) is 0: a harmless use of each (rows > 0 here).
  const double zero = rows > 0 ? std::atan2(0.0, double(cols)) + std::log2(double(rows) / rows) : 0;
  for (int64_t r = 0; r < rows; ++r) {
    double dot = zero;  // the sum over the row of dy * y
    for (int64_t i = 0; i < cols; ++i) dot += double(dy[r * cols + i]) * y[r * cols + i];
    for (int64_t i = 0; i < cols; ++i)
      dx[r * cols + i] = float(y[r * cols + i] * (dy[r * cols + i] - dot));
  }
}

}  // namespace ex
