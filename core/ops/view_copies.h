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
// The mark is on the memory (the Storage) and records the strides PyTorch's
// view would have (for the copy's shape when it was marked). Whatever shares
// that memory is refused too, and the rule for reshape, view, flatten and
// contiguous() follows PyTorch's own, decided by those strides:
//  - reshape / flatten: if PyTorch could view the strided tensor in the new
//    shape (view_strides below), its result writes through to the source, so
//    attograd shares the memory and stays marked; if not, PyTorch copies, and
//    so does attograd: the result is a fresh, unmarked tensor
//    (reshape(transpose(y, 0, 1), {6}) may be written in place).
//  - view: PyTorch refuses a shape it cannot view; so does attograd.
//  - contiguous(): PyTorch returns the view itself when its strides are
//    contiguous (narrow along dim 0), else a fresh copy; attograd the same
//    (contiguous(transpose(y, 0, 1)), PyTorch's y.t().contiguous(), is free).
//  - squeeze, unsqueeze and detach always share, as PyTorch's are views.
// A tensor sharing the memory in another shape than the marked one (a
// reshape that PyTorch could view) gets its strides derived from the marked
// ones (view_strides again), so a chain of reshapes is judged exactly.
// clone() and every out-of-place op make fresh memory: their results are
// normal tensors. And the mark counts only while the tensor it was copied
// from is alive: once that is gone no one can see the difference, so an op
// that transposes its own intermediate result (einsum does) returns a tensor
// that may be written in place. A copy of a marked copy (transpose of a
// narrow) is marked with the first source, as PyTorch's view of a view
// writes into the first base, and with strides composed from the first
// copy's (pytorch_strides).
#pragma once

#include <optional>

#include "core/tensor.h"

namespace ag {

// Marks `copy`, just made by `op` ("narrow", "chunk", ...) from `source`, as a
// copy where PyTorch returns a view with these `strides` (in elements, one per
// dim of copy). Nothing to do when copy shares source's memory (expand to the
// same shape returns its input).
void mark_copy_of_view(const char* op, const Tensor& copy, const Tensor& source,
                       std::vector<int64_t> strides);

// Refuses, with an ag::Error naming `inplace_op` ("mul_"), an in-place write
// into a marked copy whose source is still alive.
void check_not_copy_of_view(const char* inplace_op, const Tensor& self);

// True when x's memory is a marked copy whose source is still alive.
bool is_live_copy_of_view(const Tensor& x);

// The strides PyTorch's x would have: derived from the mark when x is a live
// marked copy, else the contiguous strides of x's shape (a fresh tensor).
std::vector<int64_t> pytorch_strides(const Tensor& x);

// ---------------------------------------------------------------- PyTorch's stride rules
// Row-major strides: [2, 3, 4] -> [12, 4, 1].
std::vector<int64_t> contiguous_strides(const Shape& sizes);

// PyTorch's is_contiguous: the strides are row-major ones, where dims of
// size 1 may have any stride; a tensor of 0 or 1 elements always is.
bool is_contiguous(const Shape& sizes, const std::vector<int64_t>& strides);

// The strides a view of (sizes, strides) in `new_sizes` would have, or
// nothing when no such view exists and PyTorch's reshape copies (its
// computeStride rule). Both shapes must have the same number of elements.
std::optional<std::vector<int64_t>> view_strides(const Shape& sizes,
                                                 const std::vector<int64_t>& strides,
                                                 const Shape& new_sizes);

}  // namespace ag
