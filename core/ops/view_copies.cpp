// core/ops/view_copies.cpp: marking the copies PyTorch would have made views,
// and refusing in-place writes into them (core/ops/view_copies.h says why).
#include "core/ops/view_copies.h"

#include <cstring>
#include <string>

namespace ag {

void mark_copy_of_view(const char* op, const Tensor& copy, const Tensor& source) {
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

}  // namespace ag
