// core/ops/group_norm.cpp: group_norm, the autograd op over core/kernels/norm.h
// (fast) and core/reference/norm_naive.h (naive), chosen by kernels().
//
// Shape legend: N batch, C channels in G groups of Cg = C/G, S = product of
// the dims after C (H*W for images); M = Cg*S values per group.
//
// x (N, C, *) is normalized per (sample, group), as layer norm over the
// group's M values, then scaled and shifted per channel:
//   xhat = (x - mean_ng) * invstd_ng,  out = xhat * weight_c + bias_c
// G = 1 is layer norm over (C, *) with per-channel affine; G = C is instance norm.
// Backward: dx by layer norm's closed form over each group, with dxhat =
// dout * weight_c (formula: see core/reference/norm_naive.cpp, group_backward);
//   dweight_c = sum over n, s of dout * xhat,  dbias_c = sum of dout
#include <vector>

#include "core/autograd.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/norm.h"
#include "core/ops/group_norm.h"
#include "core/ops/norm.h"
#include "core/reference/norm_naive.h"

namespace ag {

struct GroupNormBackward : Node {
  SavedTensor x, weight;            // weight only when defined
  std::vector<float> mean, invstd;  // one per (n, g)
  GroupNormShape shape;
  std::string name() const override { return "GroupNormBackward"; }

  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    x.reset();
    weight.reset();
  }
};

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias,
                  float eps) {
  if (!x.defined()) fail("group_norm: input must be defined");
  if (x.dim() < 2)
    fail("group_norm: expected an input (N, C, *) of 2 or more dims, got ", x.shape());
  if (num_groups < 1) fail("group_norm: num_groups must be >= 1, got ", num_groups);
  // PyTorch's words, with the op's name in front.
  if (x.size(1) % num_groups != 0)
    fail(
        "group_norm: expected number of channels in input to be divisible by num_groups, but "
        "got input of shape ",
        x.shape(), " and num_groups=", num_groups);
  for (const auto& [what, p] :
       {std::pair<const char*, const Tensor&>{"weight", weight}, {"bias", bias}})
    if (p.defined() && p.shape() != Shape{x.size(1)})
      fail("group_norm: ", what, " ", p.shape(), " must have shape ", Shape{x.size(1)},
           " (one per channel) to match input ", x.shape());
  if (!(eps >= 0.0f)) fail("group_norm: eps must be >= 0, got ", eps);

  GroupNormShape s;
  s.N = x.size(0), s.C = x.size(1), s.G = num_groups;
  s.S = numel_of(Shape(x.shape().begin() + 2, x.shape().end()));  // 1 for (N, C)
  Tensor out = empty(x.shape());
  std::vector<float> mean(s.N * s.G), invstd(s.N * s.G);
  fast_or_naive(group_norm_forward, group_norm_forward_naive)(
      s, x.data(), weight.defined() ? weight.data() : nullptr,
      bias.defined() ? bias.data() : nullptr, eps, out.data(), mean.data(), invstd.data());

  if (needs_grad({x, weight, bias})) {
    auto node = std::make_shared<GroupNormBackward>();
    node->x = SavedTensor(x);
    if (weight.defined()) node->weight = SavedTensor(weight);
    node->mean = std::move(mean);
    node->invstd = std::move(invstd);
    node->shape = s;
    attach(out, node, {x, weight, bias});
  }
  return out;
}

std::vector<Tensor> GroupNormBackward::apply(const Tensor& dout) {
  const Tensor saved_x = x.unpack(*this);
  const Tensor saved_weight = weight.defined() ? weight.unpack(*this) : Tensor();
  Tensor dx, dweight, dbias;
  if (next_edges[0].valid()) dx = empty(saved_x.shape());
  if (next_edges[1].valid()) dweight = empty({shape.C});
  if (next_edges[2].valid()) dbias = empty({shape.C});
  fast_or_naive(group_norm_backward, group_norm_backward_naive)(
      shape, saved_x.data(), dout.data(), mean.data(), invstd.data(),
      saved_weight.defined() ? saved_weight.data() : nullptr, dx.defined() ? dx.data() : nullptr,
      dweight.defined() ? dweight.data() : nullptr, dbias.defined() ? dbias.data() : nullptr);
  return {dx, dweight, dbias};
}

}  // namespace ag
