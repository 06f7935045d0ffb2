// core/ops/slice_scatter.cpp: slice_scatter and select_scatter (declared in
// core/ops/shape.h), the way to write into part of a tensor without a view.
//
// Shape legend (core/ops/dim.h): along dimension `dim`, x is seen as
//   x: (O, N, I)     and the written band, like slice's, as
//   src: (O, C, I)   C = the number of indices start, start + step, ... before end
//   out[o, start + j*step, i] = src[o, j, i];  every other out element = x's
// PyTorch writes y[:, 1:3] = v (or y.narrow(1, 1, 2).mul_(3)) through a view;
// attograd's slices are copies (core/ops/view_copies.h), so the same result
// is y = slice_scatter(y, v, 1, 1, 3). Each element of out comes from exactly
// one of x and src, so the gradient splits the same way:
//   dx   = dout with the band zeroed          (those elements came from src)
//   dsrc = the band of dout                   (slice(dout, dim, start, end, step))
#include <algorithm>

#include "core/autograd.h"
#include "core/ops/dim.h"
#include "core/ops/shape.h"
#include "core/ops/slice_scatter.h"

namespace ag {

struct SliceScatterBackward : Node {
  int64_t dim = 0, start = 0, count = 0, step = 1;
  std::string name() const override { return "SliceScatterBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

// Calls row(full_at, band_at, I) for each row of I floats of the band: its
// offset in the x-shaped tensor and in the src-shaped one.
template <class Row>
static void for_each_band_row(const Shape& full_shape, int64_t d, int64_t start, int64_t count,
                              int64_t step, Row row) {
  const DimSplit s = split_at(full_shape, d);
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t j = 0; j < count; ++j)
      row((o * s.size + start + j * step) * s.inner, (o * count + j) * s.inner, s.inner);
}

Tensor slice_scatter(const Tensor& x, const Tensor& src, int64_t dim, int64_t start, int64_t end,
                     int64_t step) {
  if (x.dim() == 0) fail("slice_scatter: cannot be applied to a 0-d tensor (shape [])");
  const int64_t d = wrap_dim("slice_scatter", dim, x.shape()), size = x.shape()[d];
  if (step <= 0)
    fail("slice_scatter: step must be positive, got ", step, " (shape ", x.shape(), ")");
  // Python's bounds, as slice: negatives count from the end, then clip to [0, size].
  auto clip = [size](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + size : i, 0, size); };
  const int64_t first = clip(start), last = clip(end);
  const int64_t count = last > first ? (last - first - 1) / step + 1 : 0;
  Shape band_shape = x.shape();
  band_shape[d] = count;
  if (src.shape() != band_shape)  // PyTorch's words, then where the slice is
    fail("slice_scatter: expected src to have a size equal to the slice of self. src size = ",
         src.shape(), ", slice size = ", band_shape, " (input ", x.shape(), " along dimension ", d,
         " from ", first, " to ", last, " in steps of ", step, ")");
  Tensor out = empty(x.shape());
  std::copy(x.data(), x.data() + x.numel(), out.data());
  const float* from = src.data();
  float* to = out.data();
  for_each_band_row(x.shape(), d, first, count, step,
                    [&](int64_t full_at, int64_t band_at, int64_t I) {
                      std::copy_n(from + band_at, I, to + full_at);
                    });
  if (needs_grad({x, src})) {
    auto node = std::make_shared<SliceScatterBackward>();
    node->dim = d;
    node->start = first;
    node->count = count;
    node->step = step;
    attach(out, node, {x, src});
  }
  return out;
}

std::vector<Tensor> SliceScatterBackward::apply(const Tensor& dout) {
  Tensor dx, dsrc;
  if (next_edges[0].valid()) {  // dout, with zeros where src landed
    dx = empty(dout.shape());
    std::copy(dout.data(), dout.data() + dout.numel(), dx.data());
    float* to = dx.data();
    for_each_band_row(
        dout.shape(), dim, start, count, step,
        [&](int64_t full_at, int64_t, int64_t I) { std::fill_n(to + full_at, I, 0.0f); });
  }
  if (next_edges[1].valid()) {  // the band of dout
    Shape band_shape = dout.shape();
    band_shape[dim] = count;
    dsrc = empty(band_shape);
    const float* from = dout.data();
    float* to = dsrc.data();
    for_each_band_row(dout.shape(), dim, start, count, step,
                      [&](int64_t full_at, int64_t band_at, int64_t I) {
                        std::copy_n(from + full_at, I, to + band_at);
                      });
  }
  return {dx, dsrc};
}

// select_scatter = slice_scatter of one entry, with src given the dimension
// back (a view): its gradient is SliceScatterBackward's through a reshape.
Tensor select_scatter(const Tensor& x, const Tensor& src, int64_t dim, int64_t index) {
  if (x.dim() == 0) fail("select_scatter: cannot be applied to a 0-d tensor (shape [])");
  const int64_t d = wrap_dim("select_scatter", dim, x.shape()), size = x.shape()[d];
  if (index < -size || index >= size)
    fail("select_scatter: index ", index, " is out of range for dimension ", d, " of size ", size,
         " (shape ", x.shape(), ")");
  Shape entry_shape = x.shape();
  entry_shape.erase(entry_shape.begin() + d);
  if (src.shape() != entry_shape)
    fail("select_scatter: expected src to have a size equal to the slice of self. src size = ",
         src.shape(), ", slice size = ", entry_shape, " (input ", x.shape(), " at index ", index,
         " of dimension ", d, ")");
  const int64_t i = index < 0 ? index + size : index;
  return slice_scatter(x, unsqueeze(src, d), d, i, i + 1, 1);
}

}  // namespace ag
