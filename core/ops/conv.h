// core/ops/conv.h: 2-D convolution (cross-correlation, as PyTorch's conv2d).
//
// Shape legend: N batch, C input channels, O output channels, H×W image,
// kh×kw kernel, L a 1-D length. Output size per spatial dim, as PyTorch:
//   out = floor((in + 2*padding - dilation*(k-1) - 1) / stride) + 1
//
// Also here: conv1d (core/ops/conv.cpp, run as conv2d over (N, C, 1, L)).
// conv_transpose2d is in core/ops/conv_transpose.h. Each takes an unbatched
// input too, as PyTorch: (C, H, W) / (C, L) in, (O, OH, OW) / (O, OL) out.
// An input with zero channels gives what PyTorch 1.13 gives: an empty
// (N, 0, OH, OW), not a bias-filled (N, O, OH, OW); gradients empty, bias's zero.
#pragma once

#include <string>

#include "core/tensor.h"

namespace ag {

// PyTorch's string padding: "valid" is no padding; "same" pads so that
// out = in (stride must be 1), dilation*(k-1) in total per dim, half on each
// side and the odd unit on the right/bottom (then the input is zero-padded by
// one first, as PyTorch does). Explicit uses the numbers in the options.
enum class PaddingRule { Explicit, Same, Valid };
// "same" or "valid"; anything else throws, naming op and the string.
PaddingRule parse_padding_rule(const char* op, const std::string& rule);

struct Conv2dOptions {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  Conv2dOptions& stride(int64_t s) {
    stride_h = stride_w = s;
    return *this;
  }
  PaddingRule padding_rule = PaddingRule::Explicit;
  Conv2dOptions& padding(int64_t p) {
    pad_h = pad_w = p;
    padding_rule = PaddingRule::Explicit;
    return *this;
  }
  // Conv2dOptions().padding("same") is F.conv2d(..., padding="same").
  Conv2dOptions& padding(const std::string& rule) {
    padding_rule = parse_padding_rule("conv2d", rule);
    return *this;
  }
  Conv2dOptions& dilation(int64_t d) {
    dilation_h = dilation_w = d;
    return *this;
  }
  Conv2dOptions& group_count(int64_t g) {
    groups = g;
    return *this;
  }
};

// x: (N, C, H, W) or (C, H, W), weight: (O, C/groups, kh, kw), bias: (O) or undefined.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv2dOptions& options = Conv2dOptions());

// Inference only, no history recorded: act(conv2d(x, weight, bias) + residual),
// act = ReLU when relu, computed in the conv's own output pass (the GEMM's
// epilogue, core/kernels/gemm.h) instead of an add pass and a ReLU pass. x is
// 4-D; residual undefined or of the output's shape. Called by the eval-mode
// Conv2d + BatchNorm2d fold (nn/fold_batch_norm.cpp); with AG_KERNELS=naive
// it is the seven loops, then add, then relu.
Tensor conv2d_fused_eval(const Tensor& x, const Tensor& weight, const Tensor& bias,
                         const Conv2dOptions& options, const Tensor& residual, bool relu);

// conv1d: the _l fields are along the length L (pad_l pads both ends).
struct Conv1dOptions {
  int64_t stride_l = 1, pad_l = 0, dilation_l = 1, groups = 1;
  PaddingRule padding_rule = PaddingRule::Explicit;
  Conv1dOptions& stride(int64_t s) {
    stride_l = s;
    return *this;
  }
  Conv1dOptions& padding(int64_t p) {
    pad_l = p;
    padding_rule = PaddingRule::Explicit;
    return *this;
  }
  Conv1dOptions& padding(const std::string& rule) {
    padding_rule = parse_padding_rule("conv1d", rule);
    return *this;
  }
  Conv1dOptions& dilation(int64_t d) {
    dilation_l = d;
    return *this;
  }
  Conv1dOptions& group_count(int64_t g) {
    groups = g;
    return *this;
  }
};

// x: (N, C, L) or (C, L), weight: (O, C/groups, k), bias: (O) or undefined
// -> (N, O, OL). Computed as conv2d of (N, C, 1, L) with weight (O, C/groups, 1, k).
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv1dOptions& options = Conv1dOptions());

}  // namespace ag
