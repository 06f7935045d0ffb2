// core/ops/view_copies.cpp: marking the copies PyTorch would have made views,
// and refusing in-place writes into them (core/ops/view_copies.h says why).
#include "core/ops/view_copies.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace ag {

void mark_copy_of_view(const char* op, const Tensor& copy, const Tensor& source,
                       std::vector<int64_t> strides) {
  const std::shared_ptr<Storage>& from = source.impl()->storage;
  Storage& to = *copy.impl()->storage;
  if (&to == from.get()) return;  // the op returned its input itself: no copy was made
  auto mark = std::make_unique<CopyOfView>();
  mark->op = op;
  // A copy of a copy whose source lives points at that first source: in
  // PyTorch, transpose(narrow(y, ...)) is still a view of y.
  const CopyOfView* earlier = from->copy_of_view.get();
  if (earlier && !earlier->source.expired()) {
    mark->source = earlier->source;
    mark->source_shape = earlier->source_shape;
  } else {
    mark->source = from;
    mark->source_shape = source.shape();
  }
  mark->shape = copy.shape();
  mark->strides = std::move(strides);
  to.copy_of_view = std::move(mark);
}

// How to get PyTorch's result: write into the original instead of the copy.
static std::string way_into_the_original(const char* op) {
  const std::string name = op;
  if (name == "select")
    return "To change that tensor, write the new values into it with select_scatter: "
           "y = select_scatter(y, new_values, dim, index) (PyTorch's y[:, index] = new_values "
           "along dim 1), "
           "or copy_(y, select_scatter(y, ...)) to keep y's memory";
  if (name == "permute")
    return "To change that tensor, permute the new values back and copy them in: "
           "copy_(y, permute(new_values, inverse_dims))";
  if (name == "transpose")
    return "To change that tensor, transpose the new values back and copy them in: "
           "copy_(y, transpose(new_values, dim0, dim1))";
  // narrow, slice, split, chunk: one band along one dimension.
  return "To change that tensor, write the new values into it with slice_scatter: "
         "y = slice_scatter(y, new_values, dim, start, end) (PyTorch's y[:, start:end] = "
         "new_values along dim 1), "
         "or copy_(y, slice_scatter(y, ...)) to keep y's memory";
}

void check_not_copy_of_view(const char* inplace_op, const Tensor& self) {
  const CopyOfView* mark = self.impl()->storage->copy_of_view.get();
  if (!mark || mark->source.expired()) return;  // no one could see the difference
  if (std::strcmp(mark->op, "expand") == 0)
    fail(inplace_op, ": this tensor (shape ", self.shape(),
         ") is a copy made by expand (attograd's expand copies; PyTorch's returns a view whose "
         "repeated "
         "elements share memory, and refuses in-place writes into it), so writing into it would "
         "not change "
         "the tensor it came from (shape ",
         mark->source_shape,
         "). Write into that tensor before expanding it; to change only this copy, clone() it "
         "first");
  fail(inplace_op, ": this tensor (shape ", self.shape(), ") is a copy made by ", mark->op,
       " (attograd's ", mark->op,
       " copies; PyTorch's returns a view), so writing into it would not change the tensor it came "
       "from (shape ",
       mark->source_shape, "), as it would in PyTorch. ", way_into_the_original(mark->op),
       "; to change only this copy, clone() it first");
}

bool is_live_copy_of_view(const Tensor& x) {
  const CopyOfView* mark = x.impl()->storage->copy_of_view.get();
  return mark && !mark->source.expired();
}

std::vector<int64_t> pytorch_strides(const Tensor& x) {
  if (is_live_copy_of_view(x)) {
    const CopyOfView& mark = *x.impl()->storage->copy_of_view;
    // Everything sharing the marked memory is a view PyTorch could make of
    // the marked copy (reshape copies otherwise), so its strides follow.
    if (auto strides = view_strides(mark.shape, mark.strides, x.shape())) return *strides;
  }
  // A fresh tensor; also the cautious answer should the mark not fit x: it
  // calls x contiguous and viewable, which keeps x marked.
  return contiguous_strides(x.shape());
}

// ---------------------------------------------------------------- PyTorch's stride rules
std::vector<int64_t> contiguous_strides(const Shape& sizes) {
  std::vector<int64_t> strides(sizes.size());
  int64_t step = 1;
  for (size_t d = sizes.size(); d-- > 0;) {
    strides[d] = step;
    step *= std::max<int64_t>(sizes[d], 1);  // PyTorch keeps strides positive for empty dims
  }
  return strides;
}

bool is_contiguous(const Shape& sizes, const std::vector<int64_t>& strides) {
  if (numel_of(sizes) <= 1) return true;  // nothing to walk in the wrong order
  int64_t expected = 1;
  for (size_t d = sizes.size(); d-- > 0;) {
    if (sizes[d] == 1) continue;  // one index only: its stride is never used
    if (strides[d] != expected) return false;
    expected *= sizes[d];
  }
  return true;
}

// From the last old dim to the first, old dims are grouped into blocks in
// which each dim steps over exactly the dims after it (stride[d-1] ==
// stride[d] * size[d]): such a block is one run of evenly spaced elements,
// and a view may cut it into any new dims. A view cannot join two blocks,
// so the new dims, read from the last too, must fill each block exactly,
// their strides multiples of the block's innermost stride.
// Example: narrow(y, 1, 0, 2) of y [4, 3, 2] has sizes [4, 2, 2] and strides
// [6, 2, 1]; the blocks are {4 at stride 6} and {2, 2 at stride 1}, so
// [4, 4] is a view with strides [6, 1] but [16] is not (it joins blocks).
std::optional<std::vector<int64_t>> view_strides(const Shape& sizes,
                                                 const std::vector<int64_t>& strides,
                                                 const Shape& new_sizes) {
  if (numel_of(sizes) == 0) return contiguous_strides(new_sizes);  // no element to place
  std::vector<int64_t> new_strides(new_sizes.size(), 1);
  if (sizes.empty()) return new_strides;  // one element: every new dim has size 1
  int64_t next_new = static_cast<int64_t>(new_sizes.size()) - 1;  // filled from the last
  int64_t block_base = strides.back();  // the stride of the block's innermost dim
  int64_t block_numel = 1;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    block_numel *= sizes[d];
    const bool block_goes_on =
        d > 0 && (sizes[d - 1] == 1 || strides[d - 1] == block_numel * block_base);
    if (block_goes_on) continue;
    // The block ends at d: cut it into new dims (size-1 new dims fit anywhere).
    int64_t filled = 1;
    while (next_new >= 0 && (filled < block_numel || new_sizes[next_new] == 1)) {
      new_strides[next_new] = filled * block_base;
      filled *= new_sizes[next_new];
      --next_new;
    }
    if (filled != block_numel) return std::nullopt;  // a new dim would join two blocks
    if (d > 0) {
      block_base = strides[d - 1];
      block_numel = 1;
    }
  }
  if (next_new != -1) return std::nullopt;
  return new_strides;
}

}  // namespace ag
