// core/ops/permute.cpp: permute and transpose (declared in core/ops/shape.h).
//
// Shape legend: x has rank r; out = permute(x, dims) has r dims too, with
//   out.shape[d] = x.shape[dims[d]]      e.g. (B, T, H, D) -> (B, H, T, D) for dims {0, 2, 1, 3}
// attograd has no strided views, so both ops copy into a new contiguous
// buffer (which keeps every other kernel a plain loop). Backward permutes
// dout back with the inverse permutation.
#include <algorithm>

#include "core/autograd.h"
#include "core/kernels/kernel_mode.h"
#include "core/ops/dim.h"
#include "core/ops/shape.h"

namespace ag {

// ---------------------------------------------------------------- the copy kernels
// out = permute(x, dims) has out.shape[d] = x.shape[dims[d]], and moving out's
// index d by one moves x's flat index by step[d] (x's stride of dim dims[d]).
struct PermutePlan {
  Shape shape;                 // out's shape
  std::vector<int64_t> step;   // x's stride seen from each out dim
  std::vector<int64_t> out_stride;
};

static PermutePlan plan_permute(const Shape& in, const std::vector<int64_t>& dims) {
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> in_stride(rank, 1);
  for (int64_t d = rank - 1; d > 0; --d) in_stride[d - 1] = in_stride[d] * in[d];
  PermutePlan p{Shape(rank), std::vector<int64_t>(rank), std::vector<int64_t>(rank, 1)};
  for (int64_t d = 0; d < rank; ++d) p.shape[d] = in[dims[d]], p.step[d] = in_stride[dims[d]];
  for (int64_t d = rank - 1; d > 0; --d) p.out_stride[d - 1] = p.out_stride[d] * p.shape[d];
  return p;
}

// The reference: walk out row by row (its last dim is contiguous), reading x
// with strides; an odometer over out's leading dims tracks where x's row starts.
static void permute_naive(const float* src, const PermutePlan& p, float* dst) {
  const int64_t rank = static_cast<int64_t>(p.shape.size()), n = numel_of(p.shape);
  if (rank == 0) {
    dst[0] = src[0];
    return;
  }
  const int64_t row = p.shape[rank - 1], row_step = p.step[rank - 1];
  std::vector<int64_t> idx(rank, 0);
  int64_t base = 0;
  for (int64_t r = 0; r < n / row; ++r) {
    for (int64_t j = 0; j < row; ++j) dst[r * row + j] = src[base + j * row_step];
    for (int64_t d = rank - 2; d >= 0; --d) {
      base += p.step[d];
      if (++idx[d] < p.shape[d]) break;
      base -= p.step[d] * p.shape[d];
      idx[d] = 0;
    }
  }
}

// The fast path for a real transpose, where out's last dim `a` reads x with a
// stride: row by row, every read would land on a new cache line (a 1024x1024
// transpose runs at under 1 GB/s). Instead copy kTile x kTile tiles of the two
// dims that matter, `a` and `b` (the out dim that walks x's contiguous last
// dim): inside a tile the reads along b and the writes along a both reuse the
// cache lines they touch. The other dims are walked by an odometer.
static void permute_tiled(const float* src, const PermutePlan& p, int64_t b, float* dst) {
  constexpr int64_t kTile = 32;
  const int64_t rank = static_cast<int64_t>(p.shape.size()), a = rank - 1;
  const int64_t Sa = p.shape[a], Sb = p.shape[b], read_a = p.step[a], write_b = p.out_stride[b];
  std::vector<int64_t> idx(rank, 0);
  int64_t in_base = 0, out_base = 0;
  for (int64_t r = 0, blocks = numel_of(p.shape) / (Sa * Sb); r < blocks; ++r) {
    for (int64_t b0 = 0; b0 < Sb; b0 += kTile)
      for (int64_t a0 = 0; a0 < Sa; a0 += kTile) {
        const int64_t b1 = std::min(b0 + kTile, Sb), a1 = std::min(a0 + kTile, Sa);
        for (int64_t jb = b0; jb < b1; ++jb)  // p.step[b] is 1
          for (int64_t ja = a0; ja < a1; ++ja) dst[out_base + jb * write_b + ja] = src[in_base + jb + ja * read_a];
      }
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (d == a || d == b) continue;
      in_base += p.step[d], out_base += p.out_stride[d];
      if (++idx[d] < p.shape[d]) break;
      in_base -= p.step[d] * p.shape[d], out_base -= p.out_stride[d] * p.shape[d];
      idx[d] = 0;
    }
  }
}

static Tensor permute_copy(const Tensor& x, const std::vector<int64_t>& dims) {
  const PermutePlan p = plan_permute(x.shape(), dims);
  Tensor out = empty(p.shape);
  if (out.numel() == 0) return out;
  const int64_t rank = x.dim();
  // b: the out dim that reads x's last (contiguous) dim.
  const int64_t b = rank == 0 ? 0 : std::find(dims.begin(), dims.end(), rank - 1) - dims.begin();
  const bool transposes_last = rank >= 2 && b != rank - 1;
  if (kernels() == Kernels::Fast && transposes_last && p.shape[rank - 1] >= 8 && p.shape[b] >= 8)
    permute_tiled(x.data(), p, b, out.data());
  else
    permute_naive(x.data(), p, out.data());
  return out;
}

// ---------------------------------------------------------------- ops and backward
// The inverse permutation undoes it: dx = permute(dout, inverse(dims)).
struct PermuteBackward : Node {
  std::vector<int64_t> inverse;
  std::string name() const override { return "PermuteBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override { return {permute(dout, inverse)}; }
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
      fail("permute: dims ", dims, " are not a permutation of the dimensions of shape ",
           x.shape(), " (dimension ", wrapped[d], " appears twice)");
    inverse[wrapped[d]] = d;
  }
  Tensor out = permute_copy(x, wrapped);
  if (needs_grad({x})) {
    auto node = std::make_shared<PermuteBackward>();
    node->inverse = std::move(inverse);
    attach(out, node, {x});
  }
  return out;
}

// Swapping two dimensions is its own inverse: dx = transpose(dout, dim0, dim1).
struct TransposeBackward : Node {
  int64_t dim0 = 0, dim1 = 0;
  std::string name() const override { return "TransposeBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override { return {transpose(dout, dim0, dim1)}; }
};

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  const int64_t d0 = wrap_dim("transpose", dim0, x.shape()), d1 = wrap_dim("transpose", dim1, x.shape());
  std::vector<int64_t> dims(x.dim());
  for (int64_t d = 0; d < x.dim(); ++d) dims[d] = d;
  if (x.dim() > 0) std::swap(dims[d0], dims[d1]);
  Tensor out = permute_copy(x, dims);
  if (needs_grad({x})) {
    auto node = std::make_shared<TransposeBackward>();
    node->dim0 = d0;
    node->dim1 = d1;
    attach(out, node, {x});
  }
  return out;
}

}  // namespace ag
