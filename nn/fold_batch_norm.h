// nn/fold_batch_norm.h: a Conv2d followed by a BatchNorm in eval mode, run as
// ONE conv whose weight and bias have the batch norm folded in. Reached from
// ConvBlock and ResBlock (nn/models/attention_net.cpp), inside their fenced
// fast path: skip it on a first reading of the network.
//
// Shape legend: N batch, C in channels, O out channels, k×k kernel.
//   conv weight (O, C/groups, k, k), conv bias (O) or none
//   bn weight γ, bias β, running_mean μ, running_var v: each (O)
//   folded weight (O, C/groups, k, k), folded bias (O)
//
// Why it is allowed: in eval mode batch norm uses the running statistics,
// constants, so per output channel o it is an affine map y -> a·y + c, and an
// affine map after a linear one (the conv) is again linear plus a bias.
// In training the statistics are the batch's own (they depend on x), and the
// fold does not hold: the fused path is eval only.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "nn/layers/conv.h"
#include "nn/layers/norm.h"

namespace ag::nn {

struct FoldedConv {
  Tensor weight;  // (O, C/groups, k, k)
  Tensor bias;    // (O)
};

// The fold, written once (its derivation is in fold_batch_norm.cpp).
// conv_bias may be undefined (a conv built with bias = false); bn must keep
// running statistics. The results carry no history (plain constants).
FoldedConv fold_batch_norm(const Tensor& conv_weight, const Tensor& conv_bias, const BatchNorm& bn);

// False when AG_FUSE=0 is set in the environment: every block then runs
// conv -> bn -> relu step by step, for comparison. Read at each call, so a
// test (or a debugger) can flip it between two forwards.
bool fusion_enabled();

// One conv + batch norm pair's folded weights, kept between forwards and
// recomputed only when one of the six source tensors changed.
//
// How "changed" is detected (the safe option): each source is remembered by
// its TensorImpl (held, so its address cannot be reused by another tensor)
// and its storage's version counter. Every write the library makes bumps
// that counter: an optimizer's step, batch norm's running-stat update in
// training, load_state_dict's copy, any in-place op. So train a step, load
// weights, or assign a new tensor to conv.weight, and the next eval forward
// refolds. Only code writing through data() without bump_version() (which
// core/tensor.h already forbids for tensors saved for backward) goes unseen.
class FoldedConvBatchNorm {
 public:
  // Whether the fused path may replace conv -> bn here: fusion on, fast
  // kernels (AG_KERNELS=naive keeps the textbook path), both modules in eval,
  // bn with running stats, a "zeros" padding conv, and no gradient asked for
  // (grad mode off, or neither x nor any of the six sources requires grad):
  // the folded constants carry no history, so a gradient request falls back
  // to the unfused modules, whose backward is the ordinary one.
  static bool applies(const Conv2d& conv, const BatchNorm& bn, const Tensor& x);

  // bn(conv(x)) as one conv, then, in a single pass over its output while it
  // is fresh: + residual (when defined, same shape), then max(0, .) if relu.
  Tensor forward(const Conv2d& conv, const BatchNorm& bn, const Tensor& x, const Tensor& residual,
                 bool relu);

  // How many times the fold was computed: tests check the cache refreshes.
  int64_t folds() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return folds_;
  }

 private:
  struct Source {
    std::shared_ptr<TensorImpl> impl;  // null for an undefined tensor (no bias)
    uint64_t version = 0;
  };
  static std::vector<Source> sources_of(const Conv2d& conv, const BatchNorm& bn);
  // The folded weights for the sources as they are now, refolded if stale.
  // Returned by value (two tensor handles): the caller's conv keeps using
  // them even if another thread refolds meanwhile.
  FoldedConv current_fold(const Conv2d& conv, const BatchNorm& bn);

  // Two threads may run eval forwards of one module at once (a server):
  // the mutex guards the cache below, held only while checking or refolding.
  mutable std::mutex mutex_;
  std::vector<Source> sources_;
  double eps_ = 0.0;
  FoldedConv folded_;
  int64_t folds_ = 0;
};

}  // namespace ag::nn
