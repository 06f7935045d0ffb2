// core/inplace_history.h: what an in-place write does to the autograd graph.
//
// An in-place op (add_, mul_, relu_, softmax_, ... in core/ops/) overwrites a
// tensor's storage. Three things must follow, or backward silently uses the
// wrong numbers:
//   - the version goes up, so a node that saved the old value refuses to run
//     (SavedTensor::unpack, core/autograd.h);
//   - the tensor's grad_fn becomes the history of its new value;
//   - every view sharing that storage (reshape, see TensorImpl::view_base)
//     takes a history that reads the new value too: the base at once
//     (rebased on the written view), the other views when next asked.
// The engine (core/autograd.cpp) knows none of this: it only runs the graph
// these functions leave behind.
#pragma once

#include <memory>

#include "core/autograd.h"

namespace ag {

// In-place update of `self` to `result` (computed out of place from self's old
// value): writes result's data into self's storage, bumps the version and
// moves self's history to result's grad_fn. Refuses a leaf that requires grad.
void commit_inplace(const char* op, Tensor& self, const Tensor& result);
// The two halves of commit_inplace, for an op that really computes in place
// (softmax_ writes its output over its input, no second buffer):
//   begin_inplace  refuses what commit_inplace refuses (a leaf that requires
//                  grad, a view of one) before anything is written;
//   end_inplace    after the write: bumps the version, so nodes that saved
//                  the old value fail loudly, and gives self `history` (the
//                  node made for the new value, or null for a constant).
void begin_inplace(const char* op, Tensor& self);
void end_inplace(Tensor& self, const std::shared_ptr<Node>& history);
// A view whose storage was written in place since its grad_fn was made takes
// a fresh history: a reshape of its base's current one (Tensor::grad_fn and
// requires_grad call this; see TensorImpl::view_base).
void refresh_view_history(const std::shared_ptr<TensorImpl>& view);

}  // namespace ag
