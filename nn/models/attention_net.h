// nn/models/attention_net.h: the source document's network (section 4.3),
// with the document's class and member names, so the parameter names match
// its PyTorch code: conv1.conv.weight, res1.bn2.bias, attention.gamma, fc.weight.
//
// Shape legend: N batch, C channels, H×W feature map, P = H·W positions,
// K classes.
//
//   x (N, 3, 16, 16)
//   conv1     ConvBlock(3, 64)       conv 3×3 pad 1 -> bn -> relu    (N, 64, 16, 16)
//   res1      ResBlock(64, 128)                                      (N, 128, 16, 16)
//   res2      ResBlock(128, 256)                                     (N, 256, 16, 16)
//   attention SelfAttention(256)     gamma·attend(x) + x             (N, 256, 16, 16)
//   pool      average over 4×4 cells                                 (N, 256, 4, 4)
//   fc        Linear(256·4·4, 10)                                    (N, 10)
//
// THE TWO FAULTS OF THE PRINTED CODE, AND HOW THE DEFAULT NETWORK FIXES THEM
//
// 1. ResBlock adds its input to its output (`out += residual`), but
//    ResBlock(64, 128) and ResBlock(128, 256) change the channel count, so
//    the sum is (N,128,H,W) + (N,64,H,W): it fails on the very first batch,
//    in res1 (and would again in res2). Fix, as ResNet does (He et al. 2015,
//    "projection shortcut", option B): when the channels differ, the
//    shortcut is a 1×1 conv without bias plus a BatchNorm, registered as
//    `shortcut` (shortcut.0 = Conv2d, shortcut.1 = BatchNorm2d). When they
//    match it stays the identity and adds no parameters.
//
// 2. fc expects 256·4·4 = 4096 features, which only holds when the map
//    reaching avg_pool2d(out, 4) is 16×16: nothing in the network
//    downsamples (every conv keeps H×W), so the image itself must be 16×16.
//    For the 3-channel, 10-class images the code is evidently meant for
//    (CIFAR-10 is 32×32) the pool gives 8×8 and fc gets 16384 features: a
//    shape error at `self.fc(out)`, the second fault once the first is
//    fixed. Fix, as torchvision's ResNet does with AdaptiveAvgPool2d: pool
//    to a fixed 4×4 grid whatever the image size, so fc always sees 4096
//    features. For a 16×16 image this is exactly avg_pool2d(out, 4), so the
//    corrected network computes what the document meant and keeps every
//    parameter shape.
//
// AttentionNetOptions{.as_printed = true} builds the document's code
// unchanged, to show both faults: fault 1 is the first line to fail,
// "add: shapes [32, 128, 16, 16] and [32, 64, 16, 16] cannot be broadcast
// together ...". printed_pool alone reproduces fault 2 on a 32×32 input.
#pragma once

#include <memory>

#include "nn/fold_batch_norm.h"
#include "nn/layers/activation.h"
#include "nn/layers/conv.h"
#include "nn/layers/linear.h"
#include "nn/layers/norm.h"
#include "nn/layers/sequential.h"

namespace ag::nn {

// conv 3×3 (padding 1) -> BatchNorm -> ReLU; keeps H×W.
class ConvBlock : public UnaryModule {
 public:
  ConvBlock(int64_t in_channels, int64_t out_channels);
  Tensor forward(const Tensor& x) override;

  ModuleHolder<Conv2d> conv;
  ModuleHolder<BatchNorm2d> bn;
  ModuleHolder<ReLU> relu;

  // The fast paths (skip on first reading: attention_net.cpp).
 private:
  bool fused_eval_applies(const Tensor& x) const;
  Tensor fused_eval_forward(const Tensor& x);
  Tensor fused_forward(const Tensor& x);
  FoldedConvBatchNorm folded_conv_bn;
};

// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); keeps H×W.
// projection_shortcut = false is the printed code: shortcut(x) = x always,
// which fails when in_channels != out_channels (fault 1).
class ResBlock : public UnaryModule {
 public:
  ResBlock(int64_t in_channels, int64_t out_channels, bool projection_shortcut = true);
  Tensor forward(const Tensor& x) override;

  ModuleHolder<Conv2d> conv1;
  ModuleHolder<BatchNorm2d> bn1;
  ModuleHolder<ReLU> relu;
  ModuleHolder<Conv2d> conv2;
  ModuleHolder<BatchNorm2d> bn2;
  ModuleHolder<Sequential> shortcut;  // null when x is added unchanged

  // The fast paths (skip on first reading: attention_net.cpp).
 private:
  bool fused_eval_applies(const Tensor& x) const;
  Tensor fused_eval_forward(const Tensor& x);
  Tensor fused_forward(const Tensor& x);
  const Conv2d& shortcut_conv() const;
  const BatchNorm& shortcut_bn() const;
  FoldedConvBatchNorm folded_conv1_bn1, folded_conv2_bn2, folded_shortcut;
};

// The SAGAN-style block (Zhang et al. 2018). Every position attends to every
// other position of the same feature map:
//   query = Wq·x (C/8 channels), key = Wk·x (C/8), value = Wv·x (C), all 1×1 convs
//   energy[i][j]    = query_i · key_j                     (N, P, P)
//   attention[i][:] = softmax over j of energy[i][:]     each row sums to 1
//   out_i           = sum_j attention[i][j] · value_j     (N, C, H, W)
//   result          = gamma · out + x
// gamma starts at 0, so the block starts as the identity and learns how much
// attention to mix in.
class SelfAttention : public UnaryModule {
 public:
  explicit SelfAttention(int64_t in_channels);
  // The document's lines (permute, bmm, softmax, gamma * out + x); in the
  // default fast kernel mode it hands over to forward_fused.
  Tensor forward(const Tensor& x) override;
  // The same result with fewer copies: transposed bmm, in-place softmax,
  // baddbmm (attention_net.cpp says how). Callable directly in either mode.
  Tensor forward_fused(const Tensor& x);

  int64_t in_channels;
  ModuleHolder<Conv2d> query, key, value;
  Tensor gamma;  // shape (1), init 0
  // When true (the default), forward takes forward_fused under Kernels::Fast.
  // False: forward always runs the document's lines, e.g. to step through
  // them in gdb without the naive kernels' slowness. Kernels::Naive always
  // runs the document's lines.
  bool fused = true;
  // When true, forward keeps the last attention map (N, P, P), detached, in
  // last_attention: the tutorials draw it.
  bool keep_attention = false;
  Tensor last_attention;

 private:
  void check_input(const Tensor& x) const;
};

struct AttentionNetOptions {
  int64_t in_channels = 3;  // 1 for grayscale (Fashion-MNIST), 3 for colour
  int64_t image_size = 16;  // square inputs of this size (>= 4)
  int64_t num_classes = 10;
  bool as_printed = false;        // the document's code exactly: both faults
  bool printed_shortcut = false;  // fault 1 only: ResBlocks add x unchanged
  bool printed_pool = false;      // fault 2 only: avg_pool2d(out, 4) before fc
};

class AttentionNet : public UnaryModule {
 public:
  explicit AttentionNet(const AttentionNetOptions& options = AttentionNetOptions());
  // x: (N, in_channels, image_size, image_size) -> logits (N, num_classes)
  Tensor forward(const Tensor& x) override;

  AttentionNetOptions options;
  ModuleHolder<ConvBlock> conv1;
  ModuleHolder<ResBlock> res1, res2;
  ModuleHolder<SelfAttention> attention;
  ModuleHolder<Linear> fc;
};

}  // namespace ag::nn
