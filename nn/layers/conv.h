// nn/layers/conv.h: Conv2d, Conv1d and ConvTranspose2d, the modules around
// ag::conv2d, ag::conv1d and ag::conv_transpose2d, with PyTorch's names,
// constructor arguments, parameter names and default initialisation.
//
// Shape legend: N batch, C in_channels, O out_channels, H×W image, L length, k×k kernel.
//   Conv2d:          x: (N, C, H, W) -> (N, O, H', W'),  H' = (H + 2·pad - dil·(k-1) - 1) / stride
//   + 1 Conv1d:          x: (N, C, L) -> (N, O, L'),  L' as H' ConvTranspose2d: x: (N, C, H, W) ->
//   (N, O, H', W'),  H' = (H-1)·stride - 2·pad + dil·(k-1) + out_pad + 1
// Each also takes the unbatched input, as its functional op does.
//
// Conv2d and Conv1d take PyTorch's padding_mode, after bias as in
// nn.Conv2d(..., bias=True, padding_mode='zeros'): "zeros" is the conv's own
// zero padding; "reflect", "replicate" and "circular" pad the input first with
// ag::pad in that mode (core/ops/pad.h) and convolve with padding 0, as
// PyTorch's _conv_forward does. The explicit pads are the padding numbers on
// both sides, or for "same" dilation·(k-1) split with the odd unit after.
#pragma once

#include "core/ops/conv.h"
#include "core/ops/conv_transpose.h"
#include "nn/module.h"

namespace ag::nn {

// weight (O, C/groups, k, k), bias (O); both uniform in ±1/sqrt(C/groups·k·k)
// (kaiming_uniform with a=√5, PyTorch's default).
// Conv2d(3, 64, 3, Conv2dOptions().padding(1)) is nn.Conv2d(3, 64, kernel_size=3, padding=1);
// Conv2dOptions().padding("same") is padding="same" (stride must be 1: checked here, as PyTorch).
// Conv2d(3, 8, 3, Conv2dOptions().padding(1), true, "reflect") is
// nn.Conv2d(3, 8, 3, padding=1, padding_mode='reflect').
class Conv2d : public UnaryModule {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
         const Conv2dOptions& options = Conv2dOptions(), bool bias = true,
         const std::string& padding_mode = "zeros");
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels, kernel_size;
  Conv2dOptions options;
  std::string padding_mode;  // "zeros", "reflect", "replicate" or "circular"
  Tensor weight, bias;       // bias undefined when built with bias = false
};

// weight (O, C/groups, k), bias (O); both uniform in ±1/sqrt(C/groups·k).
// Conv1d(3, 8, 5, Conv1dOptions().padding(2)) is nn.Conv1d(3, 8, kernel_size=5, padding=2).
class Conv1d : public UnaryModule {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
         const Conv1dOptions& options = Conv1dOptions(), bool bias = true,
         const std::string& padding_mode = "zeros");
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels, kernel_size;
  Conv1dOptions options;
  std::string padding_mode;  // "zeros", "reflect", "replicate" or "circular"
  Tensor weight, bias;       // bias undefined when built with bias = false
};

// weight (C, O/groups, k, k): input channels first, PyTorch's layout for the
// transposed convolution. bias (O). Both uniform in ±1/sqrt(O/groups·k·k):
// PyTorch computes fan_in from the weight's dimension 1, which here is the
// output side, and ConvTranspose2d keeps that.
// ConvTranspose2d(16, 8, 4, ConvTranspose2dOptions().stride(2).padding(1)) is
// nn.ConvTranspose2d(16, 8, kernel_size=4, stride=2, padding=1).
class ConvTranspose2d : public UnaryModule {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                  const ConvTranspose2dOptions& options = ConvTranspose2dOptions(),
                  bool bias = true);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels, kernel_size;
  ConvTranspose2dOptions options;
  Tensor weight, bias;  // bias undefined when built with bias = false
};

}  // namespace ag::nn
