// core/ops/shape.cpp: reshape and friends, permute, cat/stack, slicing, clone.
//
// Shape legend (see core/ops/dim.h): an op along dimension `dim` views x as
//   x: (O, N, I)   O sizes before dim, N = size of dim, I sizes after dim.
//
// Two kinds of op live here:
//  - views (reshape, view, flatten, squeeze, unsqueeze): the data is
//    contiguous, so any shape with the same numel reads the same buffer in the
//    same order. They share the input's Storage (and so its version counter);
//    backward reshapes dout back. (One exception, as in PyTorch: reshape and
//    flatten of a marked copy whose PyTorch strides forbid the view copy,
//    and view refuses; core/ops/view_copies.h.)
//  - copies (cat, stack, narrow, select, slice, clone; permute and transpose
//    live in core/ops/permute.cpp): attograd has no strided views, so these
//    write a new contiguous buffer; backward routes each element of dout back
//    to where it came from. narrow, select and slice are views in PyTorch, so
//    their copies are marked and refuse in-place writes (core/ops/view_copies.h);
//    slice_scatter (core/ops/slice_scatter.cpp) writes into the original instead.
#include "core/ops/shape.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/autograd.h"
#include "core/ops/dim.h"
#include "core/ops/view_copies.h"

namespace ag {

// ---------------------------------------------------------------- reshape (a view)
// dx = dout read in the input's shape.
struct ReshapeBackward : Node {
  Shape input_shape;
  std::string name() const override { return "ReshapeBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

// Resolves the one allowed -1 and checks the sizes multiply to numel.
static Shape infer_shape(const char* op, const Shape& requested, int64_t numel) {
  int64_t infer_at = -1, known = 1;
  for (size_t d = 0; d < requested.size(); ++d) {
    const int64_t size = requested[d];
    if (size == -1) {
      if (infer_at >= 0) fail(op, ": only one dimension can be -1, got shape ", requested);
      infer_at = static_cast<int64_t>(d);
    } else if (size < 0) {
      fail(op, ": invalid size ", size, " at dimension ", d, " of shape ", requested);
    } else if (known > 0 && size > std::numeric_limits<int64_t>::max() / known) {
      fail(op, ": shape ", requested, " is invalid for input of size ", numel, " (too large)");
    } else {
      known *= size;
    }
  }
  Shape shape = requested;
  if (infer_at >= 0) {
    if (known == 0)  // 0 * anything = 0: the -1 could be any size
      fail(op, ": cannot infer the -1 in shape ", requested, " for input of size ", numel,
           ": another size is 0, so the -1 is ambiguous");
    if (numel % known != 0)
      fail(op, ": shape ", requested, " is invalid for input of size ", numel);
    shape[infer_at] = numel / known;
  } else if (known != numel) {
    fail(op, ": shape ", requested, " is invalid for input of size ", numel);
  }
  checked_numel(op,
                shape);  // an empty input takes [0, 2^40, 2^40] only if its sizes stay countable
  return shape;
}

// A new tensor over the same Storage: writes through one show in the other,
// and they share the version counter, so autograd notices in-place changes.
static Tensor view_as_shape(const char* op, const Tensor& x, const Shape& requested) {
  Shape shape = infer_shape(op, requested, x.numel());
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = std::move(shape);
  impl->storage = x.impl()->storage;
  if (grad_enabled()) {  // remember the base, so in-place writes keep both histories right
    impl->view_base = x.impl()->view_base ? x.impl()->view_base : x.impl_ptr();
    impl->view_version = x.impl()->storage->version;
  }
  Tensor out(std::move(impl));
  if (needs_grad({x})) {
    auto node = std::make_shared<ReshapeBackward>();
    node->input_shape = x.shape();
    node->is_view = true;
    attach(out, node, {x});
  }
  return out;
}

// reshape, view and flatten of a marked copy (a tensor PyTorch has as a
// strided view): PyTorch shares memory only where the strides allow it
// (view_strides); elsewhere its reshape and flatten copy, and its view
// refuses (core/ops/view_copies.h). A fresh or contiguous tensor always shares.
static Tensor reshape_as_pytorch(const char* op, const Tensor& x, const Shape& requested) {
  if (!is_live_copy_of_view(x)) return view_as_shape(op, x, requested);
  const Shape shape = infer_shape(op, requested, x.numel());
  const std::vector<int64_t> strides = pytorch_strides(x);
  if (view_strides(x.shape(), strides, shape)) return view_as_shape(op, x, shape);
  if (std::strcmp(op, "view") == 0)
    fail("view: shape ", shape, " is not compatible with this tensor's size and stride: it is a ",
         "copy made by ", x.impl()->storage->copy_of_view->op, " (shape ", x.shape(),
         "), which PyTorch has as a view with strides ", Shape(strides),
         ", and a dimension of the new shape would span two separate runs of its memory. Use "
         "reshape(...) instead, which copies");
  return view_as_shape(op, clone(x), shape);  // PyTorch's reshape copies: a fresh tensor
}

std::vector<Tensor> ReshapeBackward::apply(const Tensor& dout) {
  return {reshape(dout, input_shape)};
}

Tensor reshape(const Tensor& x, const Shape& shape) {
  return reshape_as_pytorch("reshape", x, shape);
}
Tensor view(const Tensor& x, const Shape& shape) { return reshape_as_pytorch("view", x, shape); }

// Merges dims start_dim..end_dim into one; a 0-d tensor becomes shape [1].
Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  const Shape& s = x.shape();
  const int64_t start = wrap_dim("flatten", start_dim, s), end = wrap_dim("flatten", end_dim, s);
  if (start > end)
    fail("flatten: start_dim ", start_dim, " comes after end_dim ", end_dim,
         " for a tensor of shape ", s);
  if (s.empty()) return reshape_as_pytorch("flatten", x, {1});
  Shape shape(s.begin(), s.begin() + start);
  shape.push_back(numel_of(Shape(s.begin() + start, s.begin() + end + 1)));
  shape.insert(shape.end(), s.begin() + end + 1, s.end());
  return reshape_as_pytorch("flatten", x, shape);
}

// Removes dim if its size is 1; otherwise returns an unchanged view (as PyTorch).
Tensor squeeze(const Tensor& x, int64_t dim) {
  Shape shape = x.shape();
  const int64_t d = wrap_dim("squeeze", dim, shape);
  if (!shape.empty() && shape[d] == 1) shape.erase(shape.begin() + d);
  return view_as_shape("squeeze", x, shape);
}

// Inserts a size-1 dimension at dim, which may be anywhere from 0 to rank.
Tensor unsqueeze(const Tensor& x, int64_t dim) {
  Shape shape = x.shape();
  const int64_t d = wrap_dim_in("unsqueeze", dim, shape, x.dim() + 1);
  shape.insert(shape.begin() + d, 1);
  return view_as_shape("unsqueeze", x, shape);
}

// ---------------------------------------------------------------- cat, stack
// out: (O, N_0 + N_1 + ..., I). Each input's gradient is its own band of dout:
//   dx_t = narrow(dout, dim, N_0 + ... + N_{t-1}, N_t)
struct CatBackward : Node {
  int64_t dim = 0;
  std::vector<int64_t> sizes;  // N_t of each input along dim
  std::string name() const override { return "CatBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) fail("cat: expected a non-empty list of tensors");
  for (size_t t = 0; t < xs.size(); ++t)
    if (!xs[t].defined()) fail("cat: tensor ", t, " is undefined");
  const Shape& first = xs[0].shape();
  if (first.empty()) fail("cat: tensor 0 is 0-d (shape []) and cannot be concatenated; use stack");
  const int64_t d = wrap_dim("cat", dim, first);
  Shape shape = first;
  shape[d] = 0;
  for (size_t t = 0; t < xs.size(); ++t) {
    const Shape& s = xs[t].shape();
    if (s.size() != first.size())
      fail("cat: tensor ", t, " has shape ", s, " but tensor 0 has shape ", first,
           "; all tensors need the same number of dimensions");
    for (size_t e = 0; e < s.size(); ++e)
      if (static_cast<int64_t>(e) != d && s[e] != first[e])
        fail("cat: tensor ", t, " has shape ", s, " but tensor 0 has shape ", first,
             "; sizes must match except in dimension ", d, " (", s[e], " vs ", first[e],
             " in dimension ", e, ")");
    if (__builtin_add_overflow(shape[d], s[d], &shape[d]))
      fail("cat: the sizes along dimension ", d, " add up to more than int64 can hold (at tensor ",
           t, " of shape ", s, ")");
  }
  Tensor out = empty(shape);
  const DimSplit total = split_at(shape, d);
  std::vector<int64_t> sizes;
  int64_t offset = 0;  // where the current input's band starts along dim
  for (const Tensor& x : xs) {
    const int64_t band = x.shape()[d] * total.inner;  // floats per outer index
    const float* src = x.data();
    for (int64_t o = 0; o < total.outer; ++o)
      std::copy(src + o * band, src + (o + 1) * band,
                out.data() + (o * total.size + offset) * total.inner);
    offset += x.shape()[d];
    sizes.push_back(x.shape()[d]);
  }
  if (needs_grad(xs)) {
    auto node = std::make_shared<CatBackward>();
    node->dim = d;
    node->sizes = std::move(sizes);
    attach(out, node, xs);
  }
  return out;
}

std::vector<Tensor> CatBackward::apply(const Tensor& dout) {
  std::vector<Tensor> dxs(sizes.size());
  int64_t start = 0;
  for (size_t t = 0; t < sizes.size(); ++t) {
    if (next_edges[t].valid()) dxs[t] = narrow(dout, dim, start, sizes[t]);
    start += sizes[t];
  }
  return dxs;
}

// stack = unsqueeze each at dim, then cat: the gradient follows through both.
Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) fail("stack: expected a non-empty list of tensors");
  for (size_t t = 0; t < xs.size(); ++t) {
    if (!xs[t].defined()) fail("stack: tensor ", t, " is undefined");
    if (xs[t].shape() != xs[0].shape())
      fail("stack: all tensors must have the same shape, but tensor 0 has shape ", xs[0].shape(),
           " and tensor ", t, " has shape ", xs[t].shape());
  }
  const int64_t d = wrap_dim_in("stack", dim, xs[0].shape(), xs[0].dim() + 1);
  std::vector<Tensor> parts;
  for (const Tensor& x : xs) parts.push_back(unsqueeze(x, d));
  return cat(parts, d);
}

// ---------------------------------------------------------------- narrow, select, slice
// out[o, j, i] = x[o, start + j*step, i] for j < count; dx is dout scattered back, 0 elsewhere.
struct SliceBackward : Node {
  Shape input_shape;
  int64_t dim = 0, start = 0, step = 1;
  std::string name() const override { return "SliceBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

// Callers have checked that start + (count-1)*step lies inside dim d. `op`
// marks the copy: PyTorch's narrow, select and slicing return views.
static Tensor slice_copy(const char* op, const Tensor& x, int64_t d, int64_t start, int64_t count,
                         int64_t step) {
  Shape shape = x.shape();
  shape[d] = count;
  Tensor out = empty(shape);
  const DimSplit in = split_at(x.shape(), d);
  const int64_t I = in.inner;
  const float* src = x.data();
  for (int64_t o = 0; o < in.outer; ++o)
    for (int64_t j = 0; j < count; ++j)
      std::copy(src + (o * in.size + start + j * step) * I,
                src + (o * in.size + start + j * step + 1) * I, out.data() + (o * count + j) * I);
  std::vector<int64_t> strides = pytorch_strides(x);  // PyTorch steps `step` times as far along d
  strides[d] *= step;
  mark_copy_of_view(op, out, x, std::move(strides));
  if (needs_grad({x})) {
    auto node = std::make_shared<SliceBackward>();
    node->input_shape = x.shape();
    node->dim = d;
    node->start = start;
    node->step = step;
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> SliceBackward::apply(const Tensor& dout) {
  Tensor dx = zeros(input_shape);
  const DimSplit in = split_at(input_shape, dim);
  const int64_t count = dout.shape()[dim], I = in.inner;
  const float* g = dout.data();
  for (int64_t o = 0; o < in.outer; ++o)
    for (int64_t j = 0; j < count; ++j)
      std::copy(g + (o * count + j) * I, g + (o * count + j + 1) * I,
                dx.data() + (o * in.size + start + j * step) * I);
  return {dx};
}

static int64_t checked_sliceable_dim(const char* op, const Tensor& x, int64_t dim) {
  if (x.dim() == 0) fail(op, ": cannot be applied to a 0-d tensor (shape [])");
  return wrap_dim(op, dim, x.shape());
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  const int64_t d = checked_sliceable_dim("narrow", x, dim), size = x.shape()[d];
  if (length < 0) fail("narrow: length ", length, " must be non-negative (shape ", x.shape(), ")");
  const int64_t first = start < 0 ? start + size : start;  // a negative start counts from the end
  if (first < 0 || first > size || length > size - first)
    fail("narrow: start ", start, " with length ", length, " does not fit in dimension ", d,
         " of size ", size, " (shape ", x.shape(), ")");
  return slice_copy("narrow", x, d, first, length, 1);
}

// select = narrow to one element, then drop the dimension.
Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  const int64_t d = checked_sliceable_dim("select", x, dim), size = x.shape()[d];
  if (index < -size || index >= size)
    fail("select: index ", index, " is out of range for dimension ", d, " of size ", size,
         " (shape ", x.shape(), ")");
  Shape shape = x.shape();
  shape.erase(shape.begin() + d);
  Tensor out = view_as_shape(
      "select", slice_copy("select", x, d, index < 0 ? index + size : index, 1, 1), shape);
  std::vector<int64_t> strides = pytorch_strides(x);  // PyTorch drops dim d and its stride
  strides.erase(strides.begin() + d);
  mark_copy_of_view("select", out, x, std::move(strides));  // the mark slice_copy set, reshaped
  return out;
}

// Python's x[start:end:step]: negative bounds count from the end, then both
// are clipped to [0, size]; an empty range gives size 0, not an error.
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  const int64_t d = checked_sliceable_dim("slice", x, dim), size = x.shape()[d];
  if (step <= 0) fail("slice: step must be positive, got ", step, " (shape ", x.shape(), ")");
  auto clip = [size](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + size : i, 0, size); };
  const int64_t first = clip(start), last = clip(end);
  const int64_t count =
      last > first ? (last - first - 1) / step + 1 : 0;  // no overflow for huge steps
  return slice_copy("slice", x, d, first, count, step);
}

// ---------------------------------------------------------------- clone, contiguous
// A copy with its own storage; dx = dout.
struct CloneBackward : Node {
  std::string name() const override { return "CloneBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor clone(const Tensor& x) {
  Tensor out = empty(x.shape());
  std::copy(x.data(), x.data() + x.numel(), out.data());
  if (needs_grad({x})) attach(out, std::make_shared<CloneBackward>(), {x});
  return out;
}

std::vector<Tensor> CloneBackward::apply(const Tensor& dout) { return {dout}; }

// Every attograd tensor is contiguous already, but PyTorch's contiguous()
// copies a strided view (y.t().contiguous() is its way to an independent
// copy), so a marked copy whose PyTorch strides are not contiguous is cloned:
// the clone may be written in place, as PyTorch's copy may
// (core/ops/view_copies.h). Anything else is returned itself, as PyTorch does.
Tensor contiguous(const Tensor& x) {
  if (is_live_copy_of_view(x) && !is_contiguous(x.shape(), pytorch_strides(x))) return clone(x);
  return x;
}

// ---------------------------------------------------------------- squeeze() (all size-1 dims)
// A view like squeeze(x, dim): [1, 3, 1] -> [3], [1, 1] -> [].
Tensor squeeze(const Tensor& x) {
  Shape shape;
  for (int64_t size : x.shape())
    if (size != 1) shape.push_back(size);
  return view_as_shape("squeeze", x, shape);
}

}  // namespace ag
