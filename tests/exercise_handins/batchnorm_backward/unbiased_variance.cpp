// A common bug: the variance's derivative taken as that of the unbiased
// variance, d var / d x_i = 2 (x_i - mean) / (M - 1), so the variance path of
// dx divides by M - 1 where batch norm's biased variance divides by M. The
// mean path is right: sum(dx) = 0 holds per channel, sum(dx * x_hat) = 0 does
// not. The report must name the biased variance.
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
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) {
        const int64_t at = (n * s.C + c) * s.S + p;
        const double centred = dout[at] - sum_dout / M;
        dx[at] = static_cast<float>(gamma[c] * inv_std[c] *
                                    (centred - x_hat[at] * sum_dout_xhat / (M - 1)));
      }
  }
}

}  // namespace ex
