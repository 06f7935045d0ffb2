// nn/layers/pool.h: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d.
//
// Shape legend: N batch, C channels, H×W image, OH×OW output.
//   x (N, C, H, W) or unbatched (C, H, W) -> (N, C, OH, OW) or (C, OH, OW)
// Modules without parameters over the ops of core/ops/pool.h, with
// PyTorch's names, arguments (through ag::Pool2dOptions, as the C++
// frontend's MaxPool2dOptions) and printed form. Unlike PyTorch: no
// dilation, and MaxPool2d has no return_indices (AdaptiveMaxPool2d has
// forward_with_indices instead of the flag).
#pragma once

#include <utility>

#include "core/ops/pool.h"
#include "nn/module.h"

namespace ag::nn {

// MaxPool2d(Pool2dOptions(3).stride(2).padding(1).ceil_mode(true))
class MaxPool2d : public UnaryModule {
 public:
  explicit MaxPool2d(const Pool2dOptions& options);
  Tensor forward(const Tensor& x) override { return max_pool2d(x, options); }
  std::string extra_repr() const override;

  Pool2dOptions options;
};

// AvgPool2d(Pool2dOptions(2).ceil_mode(true).count_include_pad(false).divisor_override(3))
class AvgPool2d : public UnaryModule {
 public:
  explicit AvgPool2d(const Pool2dOptions& options);
  Tensor forward(const Tensor& x) override { return avg_pool2d(x, options); }
  std::string extra_repr() const override;

  Pool2dOptions options;
};

// output_size (OH, OW); one number for a square output.
class AdaptiveAvgPool2d : public UnaryModule {
 public:
  AdaptiveAvgPool2d(int64_t out_h, int64_t out_w);
  explicit AdaptiveAvgPool2d(int64_t output_size) : AdaptiveAvgPool2d(output_size, output_size) {}
  Tensor forward(const Tensor& x) override { return adaptive_avg_pool2d(x, out_h, out_w); }
  std::string extra_repr() const override;

  int64_t out_h, out_w;
};

class AdaptiveMaxPool2d : public UnaryModule {
 public:
  AdaptiveMaxPool2d(int64_t out_h, int64_t out_w);
  explicit AdaptiveMaxPool2d(int64_t output_size) : AdaptiveMaxPool2d(output_size, output_size) {}
  Tensor forward(const Tensor& x) override { return adaptive_max_pool2d(x, out_h, out_w); }
  // The values and each one's flat index ih*W + iw in its plane (return_indices=True).
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& x) {
    return adaptive_max_pool2d_with_indices(x, out_h, out_w);
  }
  std::string extra_repr() const override;

  int64_t out_h, out_w;
};

}  // namespace ag::nn
