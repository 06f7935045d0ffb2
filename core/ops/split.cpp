// core/ops/split.cpp: chunk and split (pieces along one dimension), repeat
// (tiling) and flip (reversal), each forward then backward.
//
// Shape legend: x: (d_0, ..., d_{r-1}).
//   split/chunk along dim: pieces (.., n_t, ..) with Σ n_t = d_dim. Each piece
//     is a narrow() of x, so its backward is narrow's: its band of dx. The
//     pieces are copies where PyTorch's are views (core/ops/view_copies.h).
//   repeat(r_0, ..., r_{r-1}): out (r_0·d_0, ..., r_{r-1}·d_{r-1}),
//     out[j] = x[j mod d]  (per dimension),  dx[i] = Σ of dout over i's copies
//   flip(dims): out[j] = x[j with j_d -> d_d - 1 - j_d for each listed d],
//     dx = flip(dout, dims) (a reversal is its own inverse).
#include <algorithm>

#include "core/autograd.h"
#include "core/ops/dim.h"
#include "core/ops/shape.h"
#include "core/ops/split.h"
#include "core/ops/view_copies.h"

namespace ag {

// ---------------------------------------------------------------- split, chunk
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& split_sizes, int64_t dim) {
  const int64_t d = wrap_dim("split", dim, x.shape());
  const int64_t size = x.dim() == 0 ? 1 : x.shape()[d];
  int64_t total = 0;
  for (int64_t n : split_sizes) {
    if (n < 0) fail("split: split_sizes ", Shape(split_sizes), " must not be negative");
    total += n;
  }
  if (total != size)
    fail("split: split_sizes ", Shape(split_sizes), " add up to ", total, " but dimension ", d,
         " of ", x.shape(), " has size ", size);
  std::vector<Tensor> pieces;
  int64_t start = 0;
  for (int64_t n : split_sizes) {
    pieces.push_back(narrow(x, d, start, n));
    // Named after the op the user called; a band along d keeps PyTorch's strides.
    mark_copy_of_view("split", pieces.back(), x, pytorch_strides(x));
    start += n;
  }
  return pieces;
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  const int64_t d = wrap_dim("split", dim, x.shape());
  const int64_t size = x.dim() == 0 ? 1 : x.shape()[d];
  if (split_size < 0) fail("split: split_size must be non-negative, got ", split_size);
  if (split_size == 0 && size != 0)
    fail("split: split_size can only be 0 if dimension ", d, " has size 0, but it has size ", size,
         " (shape ", x.shape(), ")");
  // PyTorch's rule: at least one piece; all of split_size but the last.
  const int64_t pieces =
      split_size == 0 ? 1 : std::max<int64_t>((size + split_size - 1) / split_size, 1);
  std::vector<int64_t> sizes(pieces, split_size);
  sizes.back() = size - split_size * (pieces - 1);
  return split(x, sizes, d);
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  if (chunks <= 0) fail("chunk: chunks must be greater than 0, got ", chunks);
  const int64_t d = wrap_dim("chunk", dim, x.shape());
  const int64_t size = x.dim() == 0 ? 1 : x.shape()[d];
  std::vector<Tensor> pieces =
      size == 0 ? split(x, std::vector<int64_t>(chunks, 0), d)  // `chunks` empty
                : split(x, (size + chunks - 1) / chunks, d);    // pieces, as PyTorch
  for (const Tensor& piece : pieces) mark_copy_of_view("chunk", piece, x, pytorch_strides(x));
  return pieces;
}

// ---------------------------------------------------------------- repeat
namespace {

// Calls fn(out_flat, x_flat) for every element of out = repeat of x (x's
// shape already padded to out's rank): x_flat is out's index taken mod x's sizes.
template <class Fn>
void for_each_tile(const Shape& out_shape, const Shape& x_shape, Fn fn) {
  const int64_t rank = static_cast<int64_t>(out_shape.size()), n = numel_of(out_shape);
  std::vector<int64_t> at(rank, 0), stride(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d) stride[d] = stride[d + 1] * x_shape[d + 1];
  for (int64_t j = 0; j < n; ++j) {
    int64_t from = 0;
    for (int64_t d = 0; d < rank; ++d) from += (at[d] % x_shape[d]) * stride[d];
    fn(j, from);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++at[d] < out_shape[d]) break;
      at[d] = 0;
    }
  }
}

}  // namespace

// dx[i] = Σ over every copy j of x[i] in out of dout[j]
struct RepeatBackward : Node {
  Shape input_shape, padded_shape;
  std::string name() const override { return "RepeatBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor repeat(const Tensor& x, const std::vector<int64_t>& repeats) {
  if (repeats.size() < x.shape().size())
    fail("repeat: ", repeats.size(), " repeats ", Shape(repeats), " for a tensor of shape ",
         x.shape(), " (need at least one per dimension, ", x.dim(), ")");
  Shape padded(repeats.size() - x.shape().size(), 1);
  padded.insert(padded.end(), x.shape().begin(), x.shape().end());
  Shape out_shape(repeats.size());
  for (size_t d = 0; d < repeats.size(); ++d) {
    if (repeats[d] < 0) fail("repeat: repeats ", Shape(repeats), " must not be negative");
    out_shape[d] = padded[d] * repeats[d];
  }
  Tensor out = empty(out_shape);
  const float* px = x.data();
  float* po = out.data();
  for_each_tile(out_shape, padded, [&](int64_t to, int64_t from) { po[to] = px[from]; });
  if (needs_grad({x})) {
    auto node = std::make_shared<RepeatBackward>();
    node->input_shape = x.shape();
    node->padded_shape = std::move(padded);
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> RepeatBackward::apply(const Tensor& dout) {
  Tensor dx = zeros(input_shape);
  const float* g = dout.data();
  float* pdx = dx.data();
  for_each_tile(dout.shape(), padded_shape, [&](int64_t from, int64_t to) { pdx[to] += g[from]; });
  return {dx};
}

// ---------------------------------------------------------------- flip
struct FlipBackward : Node {
  std::vector<int64_t> dims;
  std::string name() const override { return "FlipBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor flip(const Tensor& x, const std::vector<int64_t>& dims) {
  const int64_t rank = x.dim();
  std::vector<bool> flipped(std::max<int64_t>(rank, 1), false);
  std::vector<int64_t> wrapped;
  for (int64_t dim : dims) {
    const int64_t d = wrap_dim("flip", dim, x.shape());
    if (flipped[d]) fail("flip: dim ", d, " appears more than once in dims ", Shape(dims));
    flipped[d] = true;
    wrapped.push_back(d);
  }
  Tensor out = empty(x.shape());
  const float* px = x.data();
  float* po = out.data();
  const int64_t n = x.numel();
  std::vector<int64_t> at(rank, 0), stride(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d) stride[d] = stride[d + 1] * x.shape()[d + 1];
  for (int64_t j = 0; j < n; ++j) {
    int64_t from = 0;
    for (int64_t d = 0; d < rank; ++d)
      from += (flipped[d] ? x.shape()[d] - 1 - at[d] : at[d]) * stride[d];
    po[j] = px[from];
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++at[d] < x.shape()[d]) break;
      at[d] = 0;
    }
  }
  if (needs_grad({x})) {
    auto node = std::make_shared<FlipBackward>();
    node->dims = std::move(wrapped);
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> FlipBackward::apply(const Tensor& dout) { return {flip(dout, dims)}; }

}  // namespace ag
