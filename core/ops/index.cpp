// core/ops/index.cpp: index_select, gather and scatter_add, each forward then backward.
//
// Shape legend: x is the input, K the number of indices.
//   index_select along dim, x seen as (O, N, I) (core/ops/dim.h):
//     out[o, k, i] = x[o, index[k], i]                      out: (O, K, I)
//   gather along dim (index has x's rank; 3-D shown, dim = 1):
//     out[a, j, c] = x[a, index[a, j, c], c]                out: index's shape
//   scatter_add along dim, the mirror image:
//     out = x;  out[a, index[a, j, c], c] += src[a, j, c]   out: x's shape
// gather and scatter_add are each other's backward: gather's dx scatters dout
// back to where each element was read, scatter_add's dsrc gathers dout from
// where each element was added. An index used twice gets both gradients (+=).
#include "core/ops/index.h"

#include <cmath>

#include "core/autograd.h"
#include "core/ops/dim.h"

namespace ag {

namespace {

// The whole numbers in `index`, each checked to be in [0, size) of dimension
// `dim` of `x_shape`, before any output is written.
std::vector<int64_t> checked_indices(const char* op, const Tensor& index, int64_t dim, int64_t size,
                                     const Shape& x_shape) {
  std::vector<int64_t> out(index.numel());
  const float* v = index.data();
  for (int64_t j = 0; j < index.numel(); ++j) {
    if (!(v[j] == std::floor(v[j])))  // also catches NaN and infinities
      fail(op, ": index ", v[j], " at ", index_str(j, index.shape()), " is not a whole number");
    if (v[j] < 0 || v[j] >= static_cast<double>(size))
      fail(op, ": index ", v[j], " at ", index_str(j, index.shape()),
           " is out of range for dimension ", dim, " of size ", size, " (input ", x_shape, ")");
    out[j] = static_cast<int64_t>(v[j]);
  }
  return out;
}

// Row-major strides of shape, a 0-d shape seen as [1].
std::vector<int64_t> strides_of(const Shape& shape) {
  std::vector<int64_t> s(std::max<size_t>(shape.size(), 1), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    s[d] = s[d + 1] * shape[d + 1];
  return s;
}

// Where gather reads and scatter_add writes: for element j of `index_shape`
// (walked odometer-style), its flat offset in the "big" tensor (x, with the
// coordinate along dim replaced by indices[j]) and in the "small" one (src
// for scatter_add; index's own shape for gather's output). fn(big, small, j).
template <class Fn>
void for_each_indexed(const Shape& index_shape, const Shape& big_shape, const Shape& small_shape,
                      int64_t dim, const std::vector<int64_t>& indices, Fn fn) {
  const int64_t n = numel_of(index_shape), rank = static_cast<int64_t>(index_shape.size());
  const std::vector<int64_t> big = strides_of(big_shape), small = strides_of(small_shape);
  std::vector<int64_t> at(std::max<int64_t>(rank, 1), 0);
  for (int64_t j = 0; j < n; ++j) {
    int64_t big_off = 0, small_off = 0;
    for (int64_t d = 0; d < rank; ++d) {
      big_off += (d == dim ? indices[j] : at[d]) * big[d];
      small_off += at[d] * small[d];
    }
    if (rank == 0) big_off = indices[j];  // 0-d: the one element, index 0
    fn(big_off, small_off, j);
    for (int64_t d = rank - 1; d >= 0; --d) {  // advance the odometer over index's shape
      if (++at[d] < index_shape[d]) break;
      at[d] = 0;
    }
  }
}

// index's sizes must fit x's (and src's) as gather/scatter_add require.
void check_index_fits(const char* op, const Tensor& x, int64_t dim, const Tensor& index,
                      const Tensor* src) {
  if (index.dim() != x.dim())
    fail(op, ": index ", index.shape(), " must have as many dimensions as the input ", x.shape());
  for (int64_t d = 0; d < index.dim(); ++d) {
    if (d != dim && index.shape()[d] > x.shape()[d])
      fail(op, ": index ", index.shape(), " is larger than the input ", x.shape(), " at dimension ",
           d, " (", index.shape()[d], " > ", x.shape()[d], "); only dimension ", dim,
           " may differ");
    if (src && index.shape()[d] > src->shape()[d])
      fail(op, ": index ", index.shape(), " is larger than src ", src->shape(), " at dimension ", d,
           " (", index.shape()[d], " > ", src->shape()[d], ")");
  }
}

}  // namespace

// ---------------------------------------------------------------- index_select
// dx[o, index[k], i] += dout[o, k, i]
struct IndexSelectBackward : Node {
  Shape input_shape;
  int64_t dim = 0;
  std::vector<int64_t> indices;
  std::string name() const override { return "IndexSelectBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  const int64_t d = wrap_dim("index_select", dim, x.shape());
  if (index.dim() > 1) fail("index_select: index must be 1-D (or 0-d), got shape ", index.shape());
  const DimSplit s = split_at(x.shape(), d);
  std::vector<int64_t> indices = checked_indices("index_select", index, d, s.size, x.shape());
  const int64_t K = index.numel();
  Shape out_shape = x.shape();
  if (out_shape.empty()) {
    if (K != 1) fail("index_select: a 0-d input takes exactly one index, got ", K);
  } else {
    out_shape[d] = K;
  }
  Tensor out = empty(out_shape);
  const float* px = x.data();
  float* po = out.data();
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t k = 0; k < K; ++k)
      std::copy(px + (o * s.size + indices[k]) * s.inner,
                px + (o * s.size + indices[k] + 1) * s.inner, po + (o * K + k) * s.inner);
  if (needs_grad({x})) {
    auto node = std::make_shared<IndexSelectBackward>();
    node->input_shape = x.shape();
    node->dim = d;
    node->indices = std::move(indices);
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> IndexSelectBackward::apply(const Tensor& dout) {
  const DimSplit s = split_at(input_shape, dim);
  const int64_t K = static_cast<int64_t>(indices.size());
  Tensor dx = zeros(input_shape);
  const float* g = dout.data();
  float* pdx = dx.data();
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t i = 0; i < s.inner; ++i)
        pdx[(o * s.size + indices[k]) * s.inner + i] += g[(o * K + k) * s.inner + i];
  return {dx};
}

// ---------------------------------------------------------------- gather
// dx = scatter of dout to where each element was read:  dx[.., index[j], ..] += dout[j]
struct GatherBackward : Node {
  Shape input_shape, index_shape;
  int64_t dim = 0;
  std::vector<int64_t> indices;
  std::string name() const override { return "GatherBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  const int64_t d = wrap_dim("gather", dim, x.shape());
  check_index_fits("gather", x, d, index, nullptr);
  const int64_t size = x.dim() == 0 ? 1 : x.shape()[d];
  std::vector<int64_t> indices = checked_indices("gather", index, d, size, x.shape());
  Tensor out = empty(index.shape());
  const float* px = x.data();
  float* po = out.data();
  for_each_indexed(index.shape(), x.shape(), index.shape(), d, indices,
                   [&](int64_t from, int64_t to, int64_t) { po[to] = px[from]; });
  if (needs_grad({x})) {
    auto node = std::make_shared<GatherBackward>();
    node->input_shape = x.shape();
    node->index_shape = index.shape();
    node->dim = d;
    node->indices = std::move(indices);
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> GatherBackward::apply(const Tensor& dout) {
  Tensor dx = zeros(input_shape);
  const float* g = dout.data();
  float* pdx = dx.data();
  for_each_indexed(index_shape, input_shape, index_shape, dim, indices,
                   [&](int64_t to, int64_t from, int64_t) { pdx[to] += g[from]; });
  return {dx};
}

// ---------------------------------------------------------------- scatter_add
// out = x + scatter(src):  dx = dout,  dsrc[j] = dout[.., index[j], ..] (a gather), 0 outside index
// (PyTorch 1.13 refuses a src larger than index in backward; attograd gives those entries 0.)
struct ScatterAddBackward : Node {
  Shape index_shape, src_shape;
  int64_t dim = 0;
  std::vector<int64_t> indices;
  std::string name() const override { return "ScatterAddBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = wrap_dim("scatter_add", dim, x.shape());
  if (src.dim() != x.dim())
    fail("scatter_add: src ", src.shape(), " must have as many dimensions as the input ",
         x.shape());
  check_index_fits("scatter_add", x, d, index, &src);
  const int64_t size = x.dim() == 0 ? 1 : x.shape()[d];
  std::vector<int64_t> indices = checked_indices("scatter_add", index, d, size, x.shape());
  Tensor out = empty(x.shape());
  std::copy(x.data(), x.data() + x.numel(), out.data());
  const float* ps = src.data();
  float* po = out.data();
  for_each_indexed(index.shape(), x.shape(), src.shape(), d, indices,
                   [&](int64_t to, int64_t from, int64_t) { po[to] += ps[from]; });
  if (needs_grad({x, src})) {
    auto node = std::make_shared<ScatterAddBackward>();
    node->index_shape = index.shape();
    node->src_shape = src.shape();
    node->dim = d;
    node->indices = std::move(indices);
    attach(out, node, {x, src});
  }
  return out;
}

std::vector<Tensor> ScatterAddBackward::apply(const Tensor& dout) {
  Tensor dsrc;
  if (next_edges[1].valid()) {
    dsrc = zeros(src_shape);
    const float* g = dout.data();
    float* pds = dsrc.data();
    for_each_indexed(index_shape, dout.shape(), src_shape, dim, indices,
                     [&](int64_t from, int64_t to, int64_t) { pds[to] = g[from]; });
  }
  return {next_edges[0].valid() ? dout : Tensor(), dsrc};
}

}  // namespace ag
