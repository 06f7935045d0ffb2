// nn/layers/activation.cpp: ReLU, GELU, LeakyReLU, SiLU and dropout.
#include "nn/layers/activation.h"

#include <utility>

#include "core/ops/activation.h"
#include "core/ops/elementwise.h"

namespace ag::nn {

Tensor ReLU::forward(const Tensor& x) {
  if (!inplace) return relu(x);
  Tensor self = x;  // the same tensor (a handle), so x itself is overwritten
  relu_(self);
  return self;
}

GELU::GELU(std::string approximate_) : UnaryModule("GELU"), approximate(std::move(approximate_)) {
  if (approximate != "none" && approximate != "tanh")
    fail("GELU: approximate must be 'none' or 'tanh', got '", approximate, "'");
}

Tensor GELU::forward(const Tensor& x) { return gelu(x, approximate); }

Tensor LeakyReLU::forward(const Tensor& x) {
  return leaky_relu(x, static_cast<float>(negative_slope));
}

Tensor SiLU::forward(const Tensor& x) { return silu(x); }

Tensor dropout(const Tensor& x, double p, bool training) {
  if (!(p >= 0.0 && p <= 1.0)) fail("dropout: probability p must be in [0, 1], got ", p);
  if (!training || p == 0.0) return x;
  // mask = keep / (1 - p) with keep ~ Bernoulli(1 - p); p = 1 drops everything.
  const float scale = p < 1.0 ? static_cast<float>(1.0 / (1.0 - p)) : 0.0f;
  const float keep_below = static_cast<float>(1.0 - p);
  Tensor mask = empty(x.shape());
  float* m = mask.data();
  Generator& gen = default_generator();
  for (int64_t i = 0, n = mask.numel(); i < n; ++i)
    m[i] = gen.uniform() < keep_below ? scale : 0.0f;
  return mul(x, mask);  // backward: dx = dout * mask, the same elements dropped
}

Dropout::Dropout(double p_) : UnaryModule("Dropout"), p(p_) {
  if (!(p >= 0.0 && p <= 1.0)) fail("Dropout: probability p must be in [0, 1], got ", p);
}

std::string Dropout::extra_repr() const { return "p=" + py_float(p) + ", inplace=False"; }

}  // namespace ag::nn
