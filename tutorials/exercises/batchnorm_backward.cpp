// Assignment A4: batch-norm backward, in closed form.  grade it:  make grade EX=batchnorm_backward
//
// Shape legend: N batch, C channels, S positions per channel, M = N*S values
// per channel. Each channel c is independent: below, one channel, its M
// values x_1 .. x_M (all n, all positions p).
//
// The forward pass (training mode: the batch's own statistics):
//   mean    = (1/M) sum_k x_k
//   var     = (1/M) sum_k (x_k - mean)^2          (biased: divide by M, not M-1)
//   inv_std = 1 / sqrt(var + eps)
//   x_hat_k = (x_k - mean) * inv_std
//   out_k   = gamma * x_hat_k + beta
// Saved for you: x_hat and inv_std. You never need x, mean or var again.
//
// Derive the backward:
//   Step 1. dbeta and dgamma: beta and gamma are shared by all M values of
//           the channel. Which sums over k give them?
//   Step 2. dx_hat_k = dL/dx_hat_k, from out_k = gamma * x_hat_k + beta.
//   Step 3. x_i reaches x_hat_k three ways: directly (only when k == i),
//           through mean, and through var. Work out
//             d mean / d x_i,
//             d var / d x_i        (hint: sum_k (x_k - mean) = 0 kills one term),
//             d inv_std / d var    (write it with inv_std, not with var + eps).
//   Step 4. Combine them into d x_hat_k / d x_i and rewrite every (x - mean)
//           as x_hat / inv_std, so that only x_hat, inv_std and M remain.
//   Step 5. dx_i = sum_k dx_hat_k * d x_hat_k / d x_i. Simplify until dx_i
//           needs just two numbers per channel besides its own dx_hat_i and
//           x_hat_i: two means over the channel's M values. That is the closed
//           form: O(M) work per channel, not O(M^2).
//   Checks on your formula: sum_i dx_i = 0 and sum_i dx_i * x_hat_i = 0 for
//   each channel (shifting or scaling a channel's input does not change
//   x_hat). With M = 1 (one value per channel), x_hat is 0 and dx is 0.
//
// Loop order: for each c, walk its values n = 0..N-1, p = 0..S-1 at
// index (n * C + c) * S + p.
#include "tutorials/exercises/batchnorm_backward.h"

#include "tutorials/exercises/exercise.h"

namespace ex {

void batch_norm_backward(const BatchNormShape& s, const float* x_hat, const float* inv_std,
                         const float* gamma, const float* dout, float* dx, float* dgamma,
                         float* dbeta) {
  // TODO: Steps 1-5, one channel at a time. Delete the next line when you start.
  todo("batch_norm_backward", s, x_hat, inv_std, gamma, dout, dx, dgamma, dbeta);
}

}  // namespace ex
