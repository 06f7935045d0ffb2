// core/ops/permute.cpp: permute and transpose (declared in core/ops/permute.h).
//
// Shape legend: x has rank r; out = permute(x, dims) has r dims too, with
//   out.shape[d] = x.shape[dims[d]]      e.g. (B, T, H, D) -> (B, H, T, D) for dims {0, 2, 1, 3}
// attograd has no strided views, so both ops copy into a new contiguous
// buffer (core/kernels/permute.cpp, textbook twin core/reference/permute_naive.cpp),
// which keeps every other kernel a plain loop. Backward permutes dout back
// with the inverse permutation.
#include <algorithm>

#include "core/autograd.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/permute.h"
#include "core/ops/dim.h"
#include "core/ops/permute.h"
#include "core/ops/shape.h"
#include "core/ops/view_copies.h"
#include "core/reference/permute_naive.h"

namespace ag {

// `op` marks the copy: PyTorch's permute and transpose return views.
static Tensor copy_permuted(const char* op, const Tensor& x, const std::vector<int64_t>& dims) {
  const PermutePlan p = plan_permute(x.shape(), dims);
  Tensor out = empty(p.shape);
  if (out.numel() > 0) fast_or_naive(permute_copy, permute_copy_naive)(p, x.data(), out.data());
  std::vector<int64_t> strides(dims.size());  // PyTorch permutes the strides, not the data
  const std::vector<int64_t> from = pytorch_strides(x);
  for (size_t d = 0; d < dims.size(); ++d) strides[d] = from[dims[d]];
  mark_copy_of_view(op, out, x, std::move(strides));
  return out;
}

// ---------------------------------------------------------------- permute
struct PermuteBackward : Node {
  std::vector<int64_t> inverse;
  std::string name() const override { return "PermuteBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  const int64_t rank = x.dim();
  if (static_cast<int64_t>(dims.size()) != rank)
    fail("permute: got ", dims.size(), " dims ", dims, " for a tensor of shape ", x.shape(),
         " with ", rank, " dimensions");
  std::vector<int64_t> wrapped(rank), inverse(rank, -1);
  for (int64_t d = 0; d < rank; ++d) {
    wrapped[d] = wrap_dim("permute", dims[d], x.shape());
    if (inverse[wrapped[d]] >= 0)
      fail("permute: dims ", dims, " are not a permutation of the dimensions of shape ", x.shape(),
           " (dimension ", wrapped[d], " appears twice)");
    inverse[wrapped[d]] = d;
  }
  Tensor out = copy_permuted("permute", x, wrapped);
  if (needs_grad({x})) {
    auto node = std::make_shared<PermuteBackward>();
    node->inverse = std::move(inverse);
    attach(out, node, {x});
  }
  return out;
}

// The inverse permutation undoes it: dx = permute(dout, inverse(dims)).
std::vector<Tensor> PermuteBackward::apply(const Tensor& dout) { return {permute(dout, inverse)}; }

// ---------------------------------------------------------------- transpose
struct TransposeBackward : Node {
  int64_t dim0 = 0, dim1 = 0;
  std::string name() const override { return "TransposeBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  const int64_t d0 = wrap_dim("transpose", dim0, x.shape()),
                d1 = wrap_dim("transpose", dim1, x.shape());
  std::vector<int64_t> dims(x.dim());
  for (int64_t d = 0; d < x.dim(); ++d) dims[d] = d;
  if (x.dim() > 0) std::swap(dims[d0], dims[d1]);
  Tensor out = copy_permuted("transpose", x, dims);
  if (needs_grad({x})) {
    auto node = std::make_shared<TransposeBackward>();
    node->dim0 = d0;
    node->dim1 = d1;
    attach(out, node, {x});
  }
  return out;
}

// Swapping two dimensions is its own inverse: dx = transpose(dout, dim0, dim1).
std::vector<Tensor> TransposeBackward::apply(const Tensor& dout) {
  return {transpose(dout, dim0, dim1)};
}

}  // namespace ag
