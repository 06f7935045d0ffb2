// nn/fold_batch_norm.cpp: folding an eval-mode BatchNorm into the conv before
// it, and the cache that keeps the folded weights between forwards.
#include "nn/fold_batch_norm.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/autograd.h"
#include "core/kernels/kernel_mode.h"
#include "core/ops/conv.h"

namespace ag::nn {

// THE FOLD. For one output channel o of the conv, at any position p:
//
//   y[o,p]   = b[o] + sum_{c,i,j} w[o,c,i,j] · x[c, p+(i,j)]        (the conv)
//   bn(y)    = γ[o] · (y[o,p] - μ[o]) / σ[o] + β[o],   σ[o] = sqrt(v[o] + eps)
//
// Name the per-channel scale s[o] = γ[o] / σ[o] and substitute y:
//
//   bn(y)    = s[o] · b[o] + sum (s[o] · w[o,c,i,j]) · x[...] - s[o] · μ[o] + β[o]
//            = sum w'[o,c,i,j] · x[...] + b'[o]
//   w'[o,...] = w[o,...] · s[o]            (every weight of filter o scaled)
//   b'[o]     = β[o] + (b[o] - μ[o]) · s[o]
//
// which is a conv again, with weight w' and bias b'. Without a conv bias take
// b = 0; without affine γ = 1 and β = 0. Computed in double, stored as float,
// so the folded conv differs from conv -> bn by float rounding only.
FoldedConv fold_batch_norm(const Tensor& conv_weight, const Tensor& conv_bias,
                           const BatchNorm& bn) {
  const int64_t O = conv_weight.size(0);
  if (!bn.options.track_running_stats)
    fail("fold_batch_norm: ", bn.type_name(), "(", bn.num_features,
         ") keeps no running statistics, so eval mode normalizes with the batch's own and "
         "cannot be folded");
  if (bn.num_features != O)
    fail("fold_batch_norm: conv weight ", conv_weight.shape(), " has ", O, " output channels but ",
         bn.type_name(), " has ", bn.num_features);
  const int64_t per_filter = conv_weight.numel() / O;  // C/groups · k · k
  const bool affine = bn.weight.defined();
  const float* w = conv_weight.data();
  const float* b = conv_bias.defined() ? conv_bias.data() : nullptr;
  const float* mean = bn.running_mean.data();
  const float* var = bn.running_var.data();

  FoldedConv folded{empty(conv_weight.shape()), empty({O})};
  float* w_folded = folded.weight.data();
  float* b_folded = folded.bias.data();
  for (int64_t o = 0; o < O; ++o) {
    const double gamma = affine ? bn.weight.data()[o] : 1.0;
    const double beta = affine ? bn.bias.data()[o] : 0.0;
    const double sigma = std::sqrt(double(var[o]) + bn.options.eps);
    const double scale = gamma / sigma;  // s[o]
    for (int64_t q = 0; q < per_filter; ++q)
      w_folded[o * per_filter + q] = float(w[o * per_filter + q] * scale);
    const double conv_b = b ? b[o] : 0.0;
    b_folded[o] = float(beta + (conv_b - mean[o]) * scale);
  }
  return folded;
}

bool fusion_enabled() {
  const char* env = std::getenv("AG_FUSE");
  return !(env && std::strcmp(env, "0") == 0);
}

std::vector<FoldedConvBatchNorm::Source> FoldedConvBatchNorm::sources_of(const Conv2d& conv,
                                                                         const BatchNorm& bn) {
  std::vector<Source> sources;
  for (const Tensor* t :
       {&conv.weight, &conv.bias, &bn.weight, &bn.bias, &bn.running_mean, &bn.running_var})
    sources.push_back(t->defined() ? Source{t->impl_ptr(), t->version()} : Source{});
  return sources;
}

bool FoldedConvBatchNorm::applies(const Conv2d& conv, const BatchNorm& bn, const Tensor& x) {
  if (!fusion_enabled() || kernels() != Kernels::Fast) return false;
  if (conv.is_training() || bn.is_training() || !bn.options.track_running_stats) return false;
  if (conv.padding_mode != "zeros" || x.dim() != 4) return false;
  if (!grad_enabled()) return true;
  for (const Tensor* t : {&x, &conv.weight, &conv.bias, &bn.weight, &bn.bias})
    if (t->defined() && t->requires_grad()) return false;
  return true;
}

FoldedConv FoldedConvBatchNorm::current_fold(const Conv2d& conv, const BatchNorm& bn) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Source> now = sources_of(conv, bn);
  bool stale = folds_ == 0 || eps_ != bn.options.eps || now.size() != sources_.size();
  for (size_t i = 0; !stale && i < now.size(); ++i)
    stale = now[i].impl != sources_[i].impl || now[i].version != sources_[i].version;
  if (stale) {
    folded_ = fold_batch_norm(conv.weight, conv.bias, bn);
    sources_ = std::move(now);
    eps_ = bn.options.eps;
    ++folds_;
  }
  return folded_;
}

Tensor FoldedConvBatchNorm::forward(const Conv2d& conv, const BatchNorm& bn, const Tensor& x,
                                    const Tensor& residual, bool relu) {
  // A copy taken under the lock: another thread may refold meanwhile.
  const FoldedConv folded = current_fold(conv, bn);
  // The conv's output pass (the GEMM's epilogue, core/kernels/gemm.h) adds the
  // folded bias, the residual, and applies the ReLU while each tile is still
  // in registers: one pass over the output instead of bn, add and relu passes.
  return conv2d_fused_eval(x, folded.weight, folded.bias, conv.options, residual, relu);
}

}  // namespace ag::nn
