// The reference solution handed in like any other file: it must score 100 and
// keep to the allow-list. A copy of tests/exercise_solutions/batchnorm_backward.cpp (a hand-in
// may include only the hand-out's public headers), whose comment follows.
//
// Reference solution of assignment A4 (tutorials/exercises/batchnorm_backward.cpp).
// tests/exercises/test_exercises.cpp grades it (100/100).
//
// With dx_hat = dout * gamma, per channel:
//   dbeta  = sum dout,   dgamma = sum dout * x_hat,
//   dx     = inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)).
#include "tutorials/exercises/batchnorm_backward.h"

namespace ex {

void batch_norm_backward(const BatchNormShape& s, const float* x_hat, const float* inv_std,
                         const float* gamma, const float* dout, float* dx, float* dgamma,
                         float* dbeta) {
  const double M = static_cast<double>(s.N * s.S);
  for (int64_t c = 0; c < s.C; ++c) {
    double sum_dout = 0, sum_dout_xhat = 0;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) {
        const int64_t at = (n * s.C + c) * s.S + p;
        sum_dout += dout[at];
        sum_dout_xhat += static_cast<double>(dout[at]) * x_hat[at];
      }
    dbeta[c] = static_cast<float>(sum_dout);
    dgamma[c] = static_cast<float>(sum_dout_xhat);
    // mean(dx_hat) and mean(dx_hat * x_hat): dx_hat = dout * gamma.
    const double mean_dxhat = gamma[c] * sum_dout / M,
                 mean_dxhat_xhat = gamma[c] * sum_dout_xhat / M;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) {
        const int64_t at = (n * s.C + c) * s.S + p;
        const double dxhat = static_cast<double>(dout[at]) * gamma[c];
        dx[at] =
            static_cast<float>(inv_std[c] * (dxhat - mean_dxhat - x_hat[at] * mean_dxhat_xhat));
      }
  }
}

}  // namespace ex
