// nn/layers/linear.h: Linear (y = x Wᵀ + b), Identity, and Embedding.
//
// Shape legend: N batch (any leading dims), I in_features, O out_features,
// V vocabulary size, D embedding width.
#pragma once

#include <optional>

#include "nn/module.h"

namespace ag::nn {

// x: (N..., I) -> (N..., O). weight (O, I) and bias (O) as PyTorch's nn.Linear,
// initialised with kaiming_uniform(a=√5): both uniform in ±1/sqrt(I).
class Linear : public UnaryModule {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_features, out_features;
  Tensor weight, bias;  // bias undefined when built with bias = false
};

// Returns its input: a placeholder where a block has nothing to do (a
// shortcut whose channels already match).
class Identity : public UnaryModule {
 public:
  Identity() : UnaryModule("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

// ids: (N...) whole numbers in [0, V) -> (N..., D). weight (V, D) ~ N(0, 1), as PyTorch.
// padding_idx (negative counts from the end, kept as PyTorch stores it, in
// [0, V)): that row starts at zero and gets no gradient.
class Embedding : public UnaryModule {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim,
            std::optional<int64_t> padding_idx = std::nullopt);
  Tensor forward(const Tensor& ids) override;
  std::string extra_repr() const override;

  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;
  Tensor weight;
};

}  // namespace ag::nn
