// nn/layers/activation.h: ReLU, GELU, LeakyReLU, SiLU, Dropout, and the
// functional dropout.
#pragma once

#include "nn/module.h"

namespace ag::nn {

// max(x, 0). With inplace = true it overwrites its input (ag::relu_), as
// nn.ReLU(inplace=True); attograd computes an in-place op out of place and
// copies back, so here it only changes which tensor holds the result.
class ReLU : public UnaryModule {
 public:
  explicit ReLU(bool inplace = false) : UnaryModule("ReLU"), inplace(inplace) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override { return inplace ? "inplace=True" : ""; }

  bool inplace;
};

// The smooth activations over core/ops/activation.h, with PyTorch's names,
// arguments and printed form. No `inplace` for LeakyReLU and SiLU: attograd
// has no in-place form of those ops (ReLU's is relu_).

// x·Φ(x) (approximate = "none") or its tanh approximation ("tanh").
class GELU : public UnaryModule {
 public:
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override { return "approximate='" + approximate + "'"; }

  std::string approximate;
};

// x if x > 0 else negative_slope·x.
class LeakyReLU : public UnaryModule {
 public:
  explicit LeakyReLU(double negative_slope = 0.01)
      : UnaryModule("LeakyReLU"), negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override { return "negative_slope=" + py_float(negative_slope); }

  double negative_slope;
};

// x·sigmoid(x).
class SiLU : public UnaryModule {
 public:
  SiLU() : UnaryModule("SiLU") {}
  Tensor forward(const Tensor& x) override;
};

// Inverted dropout: in training each element is zeroed with probability p and
// the survivors are scaled by 1/(1-p), so the expected value is unchanged and
// eval needs no rescaling (it returns x itself). The mask comes from ag's
// seeded generator, so ag::manual_seed makes it repeatable.
Tensor dropout(const Tensor& x, double p, bool training);

class Dropout : public UnaryModule {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) override { return dropout(x, p, is_training()); }
  std::string extra_repr() const override;

  double p;
};

}  // namespace ag::nn
