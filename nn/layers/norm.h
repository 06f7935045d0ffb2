// nn/layers/norm.h: BatchNorm1d, BatchNorm2d, LayerNorm and GroupNorm modules.
//
// Shape legend: N batch, C channels (num_features), L length, H×W image.
//   BatchNorm1d: (N, C) or (N, C, L);  BatchNorm2d: (N, C, H, W)
// In training, batch norm normalizes with the batch's own statistics and
// moves the running estimates toward them (running = (1-m)·running + m·batch,
// the variance one unbiased, as PyTorch); in eval it uses the running
// estimates, so one image gives the same answer alone or in a batch.
#pragma once

#include "nn/module.h"

namespace ag::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;
  bool affine = true;               // learn weight (γ, init 1) and bias (β, init 0)
  bool track_running_stats = true;  // keep running_mean/var and num_batches_tracked
};

class BatchNorm : public UnaryModule {
 public:
  Tensor forward(const Tensor& x) override;
  // relu(forward(x) + residual), or relu(forward(x)) without a residual, as
  // ONE op (ag::batch_norm_relu): the same values, gradients and running
  // statistics in fewer passes over memory. The network's blocks call it
  // (nn/models/attention_net.cpp). A plain method, not the call operator: no
  // forward hooks run (of this module or of the ReLU it stands in for).
  Tensor forward_relu(const Tensor& x, const Tensor& residual = Tensor());
  std::string extra_repr() const override;

  int64_t num_features;
  BatchNormOptions options;
  Tensor weight, bias;                                    // (C), when affine
  Tensor running_mean, running_var, num_batches_tracked;  // (C), (C), () when tracked

 protected:
  // accepted_ranks: which input ranks the flavour accepts (1d: 2 or 3, 2d: 4).
  BatchNorm(const char* type_name, int64_t num_features, const BatchNormOptions& options,
            std::vector<int64_t> accepted_ranks);

 private:
  Tensor normalize(const Tensor& x, const Tensor& residual, bool relu);
  std::vector<int64_t> accepted_ranks_;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, const BatchNormOptions& options = BatchNormOptions())
      : BatchNorm("BatchNorm1d", num_features, options, {2, 3}) {}
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, const BatchNormOptions& options = BatchNormOptions())
      : BatchNorm("BatchNorm2d", num_features, options, {4}) {}
};

// Normalizes each sample over its last dims (normalized_shape), weight 1, bias 0.
class LayerNorm : public UnaryModule {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  Shape normalized_shape;
  double eps;
  Tensor weight, bias;  // of normalized_shape, when elementwise_affine
};

// x (N, C, *): each sample's channels in num_groups groups, each group
// normalized with its own statistics (ag::group_norm), then a per-channel
// weight (init 1) and bias (init 0) when affine. No running statistics:
// training and eval compute the same thing, as PyTorch.
class GroupNorm : public UnaryModule {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  int64_t num_groups, num_channels;
  double eps;
  bool affine;
  Tensor weight, bias;  // (C), when affine
};

}  // namespace ag::nn
