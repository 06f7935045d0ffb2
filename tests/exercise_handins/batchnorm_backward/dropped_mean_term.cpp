// A common bug: the path through the mean is dropped, so dx misses
// -mean(dx_hat) and is off by a constant in each channel. dgamma and dbeta
// are right. The report must say sum(dx) != 0 while sum(dx * x_hat) = 0, and
// name the mean.
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
    const double variance_term = gamma[c] * sum_dout_xhat / M;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) {
        const int64_t at = (n * s.C + c) * s.S + p;
        dx[at] = static_cast<float>(inv_std[c] * (dout[at] * gamma[c] - x_hat[at] * variance_term));
      }
  }
}

}  // namespace ex
