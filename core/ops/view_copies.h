// core/ops/view_copies.h: the ops that copy where PyTorch returns a view.
//
// PyTorch's narrow, select, slicing, chunk, split, permute, transpose and
// expand return views: tensors that share their input's memory, so an
// in-place write into one (y.narrow(1, 0, 2).mul_(3), y[:, :2] *= 3) changes
// the input too. attograd has no strided views (every kernel reads plain
// contiguous memory), so these ops write a fresh copy, and a write into the
// copy leaves the input as it was: the same program would compute other
// numbers than in PyTorch, and no one would be told. So each of these ops
// marks its copy, and every in-place op (begin_inplace, core/autograd.h)
// refuses to write into a marked copy, naming the op and the way to write
// into the original instead (slice_scatter, select_scatter, copy_), or
// clone() to change the copy alone.
//
// The mark is on the memory (the Storage), so a reshape or detach of the
// copy, which shares it, is refused too, as PyTorch's would write through.
// clone() and every out-of-place op make fresh memory: their results are
// normal tensors. And the mark counts only while the tensor it was copied
// from is alive: once that is gone no one can see the difference, so an op
// that transposes its own intermediate result (einsum does) returns a tensor
// that may be written in place. A copy of a marked copy (transpose of a
// narrow) is marked with the first source, as PyTorch's view of a view
// writes into the first base.
#pragma once

#include "core/tensor.h"

namespace ag {

// Marks `copy`, just made by `op` ("narrow", "chunk", ...) from `source`, as a
// copy where PyTorch returns a view. Nothing to do when copy shares source's
// memory (expand to the same shape returns its input).
void mark_copy_of_view(const char* op, const Tensor& copy, const Tensor& source);

// Refuses, with an ag::Error naming `inplace_op` ("mul_"), an in-place write
// into a marked copy whose source is still alive.
void check_not_copy_of_view(const char* inplace_op, const Tensor& self);

}  // namespace ag
