// core/ops/activation.h: the smooth activations and pointwise math that
// PyTorch code reaches for beyond relu/sigmoid/tanh, with PyTorch 1.13's
// defaults and gradients (including its choices at the kinks).
#pragma once

#include <string>

#include "core/tensor.h"

namespace ag {

// x·Φ(x), Φ the standard normal CDF ("none"), or its tanh approximation ("tanh").
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
// x if x > 0 else negative_slope·x; the gradient at 0 is negative_slope, as PyTorch.
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
// x·sigmoid(x) (also called swish).
Tensor silu(const Tensor& x);
// log(1 + e^(βx))/β, and x itself where βx > threshold (as PyTorch, for overflow).
Tensor softplus(const Tensor& x, float beta = 1.0f, float threshold = 20.0f);
// x if x > 0 else α(e^x - 1); the gradient at 0 is α, as PyTorch.
Tensor elu(const Tensor& x, float alpha = 1.0f);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor log1p(const Tensor& x);  // log(1 + x), exact for small x
// Elementwise max/min of a and b with broadcasting; NaN wins. On a tie each
// input gets half the gradient (PyTorch 1.13's rule).
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

}  // namespace ag
