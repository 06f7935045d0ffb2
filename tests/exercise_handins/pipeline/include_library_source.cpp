// A cheat: the library's own textbook loop, included as source with its name
// changed, so the hand-in defines a private copy and calls that. The
// hand-out's copy of this file is the Jacobian applied as it is (correct,
// O(n^2)): compiled, it would pass. The compiler's dependency list names
// core/reference/softmax_naive.cpp, which is no public header: refused.
#define softmax_backward_naive borrowed_backward
#define softmax_forward_naive borrowed_forward
#define log_softmax_forward_naive borrowed_log_forward
#define log_softmax_backward_naive borrowed_log_backward
#include "core/reference/softmax_naive.cpp"
#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  ag::borrowed_backward(ag::SoftmaxGeometry{rows, cols, 1}, y, dy, dx);
}

}  // namespace ex
