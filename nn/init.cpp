// nn/init.cpp: parameter initialisation, written straight from the formulas.
#include "nn/init.h"

#include <cmath>

#include "core/autograd.h"

namespace ag::nn::init {

Fans fans(const Tensor& weight) {
  if (weight.dim() < 2)
    fail("init: fan in and fan out need a tensor with at least 2 dimensions, got ", weight.shape());
  int64_t receptive = 1;
  for (int64_t d = 2; d < weight.dim(); ++d) receptive *= weight.size(d);
  return {weight.size(1) * receptive, weight.size(0) * receptive};
}

// Write every element with fill(), outside autograd, and record the change.
template <class Fill>
static void fill_with(Tensor& t, Fill fill) {
  NoGradGuard no_grad;
  float* p = t.data();
  for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = fill();
  t.bump_version();
}

void uniform_(Tensor& t, float low, float high) {
  if (!(low <= high)) fail("init.uniform_: low ", low, " must not exceed high ", high);
  Generator& gen = default_generator();
  fill_with(t, [&] { return low + (high - low) * gen.uniform(); });
}

void normal_(Tensor& t, float mean, float std) {
  if (!(std >= 0.0f)) fail("init.normal_: std must be >= 0, got ", std);
  Generator& gen = default_generator();
  fill_with(t, [&] { return mean + std * gen.normal(); });
}

void constant_(Tensor& t, float value) {
  fill_with(t, [&] { return value; });
}
void zeros_(Tensor& t) { constant_(t, 0.0f); }
void ones_(Tensor& t) { constant_(t, 1.0f); }

// As torch.nn.init: a tensor with no elements has nothing to initialise (and
// fan_in or fan_out is 0, so the bounds below would divide by zero).
void kaiming_uniform_(Tensor& weight, double a) {
  if (weight.numel() == 0) return;
  const Fans f = fans(weight);
  const double bound = std::sqrt(6.0 / ((1.0 + a * a) * static_cast<double>(f.fan_in)));
  uniform_(weight, static_cast<float>(-bound), static_cast<float>(bound));
}

void xavier_uniform_(Tensor& weight, double gain) {
  if (weight.numel() == 0) return;
  const Fans f = fans(weight);
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(f.fan_in + f.fan_out));
  uniform_(weight, static_cast<float>(-bound), static_cast<float>(bound));
}

void reset_linear_like(Tensor& weight, Tensor bias) {
  kaiming_uniform_(weight, std::sqrt(5.0));
  if (!bias.defined()) return;
  const int64_t fan_in = fans(weight).fan_in;
  const float bound =
      fan_in > 0 ? static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in))) : 0.0f;
  uniform_(bias, -bound, bound);
}

}  // namespace ag::nn::init
