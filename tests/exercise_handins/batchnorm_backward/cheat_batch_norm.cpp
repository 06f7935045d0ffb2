// A cheat: rebuild x from x_hat and inv_std (x_hat / inv_std has x's
// normalization), run attograd's training-mode batch_norm on it and backward().
// The allow-list refuses it: ag::batch_norm holds the closed form A4 asks for.
#include "core/ag.h"
#include "tutorials/exercises/batchnorm_backward.h"

namespace ex {

void batch_norm_backward(const BatchNormShape& s, const float* x_hat, const float* inv_std,
                         const float* gamma, const float* dout, float* dx, float* dgamma,
                         float* dbeta) {
  const int64_t n = s.N * s.C * s.S;
  std::vector<float> x(x_hat, x_hat + n);
  for (int64_t i = 0; i < n; ++i) x[i] /= inv_std[(i / s.S) % s.C];
  ag::Tensor xt = ag::from_vector(x, {s.N, s.C, s.S}, true);
  ag::Tensor g = ag::from_vector(std::vector<float>(gamma, gamma + s.C), {s.C}, true);
  ag::Tensor b = ag::zeros({s.C}).requires_grad_(true);
  ag::batch_norm(xt, ag::Tensor(), ag::Tensor(), g, b, true)
      .backward(ag::from_vector(std::vector<float>(dout, dout + n), {s.N, s.C, s.S}));
  for (int64_t i = 0; i < n; ++i) dx[i] = xt.grad().data()[i];
  for (int64_t c = 0; c < s.C; ++c) dgamma[c] = g.grad().data()[c], dbeta[c] = b.grad().data()[c];
}

}  // namespace ex
