// A cheat: softmax(log y) is y again, so attograd's own backward through it
// gives dx. It would score 100 if the grader only compared numbers; the
// allow-list refuses it (ag::Tensor::backward is what A1 asks to write).
#include "core/ag.h"
#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  std::vector<float> y_values(y, y + rows * cols), dy_values(dy, dy + rows * cols);
  ag::Tensor logits =
      ag::log(ag::from_vector(y_values, {rows, cols})).detach().requires_grad_(true);
  ag::softmax(logits, -1).backward(ag::from_vector(dy_values, {rows, cols}));
  std::vector<float> grad = logits.grad().to_vector();
  for (int64_t i = 0; i < rows * cols; ++i) dx[i] = grad[i];
}

}  // namespace ex
