// core/inplace_history.cpp: the graph after an in-place write (see the header
// for the three things that must follow one). Every view here is a reshape,
// so a view's storage is the whole of its base's: a write through either is
// a write to both, and each one's new history is a reshape of the other's.
#include "core/inplace_history.h"

#include <algorithm>

#include "core/ops/shape.h"
#include "core/ops/view_copies.h"

namespace ag {

// ---------------------------------------------------------------- before the write
// The leaf that `self` is a view of (through reshape-like nodes only), or null.
static const TensorImpl* viewed_leaf(const Tensor& self) {
  for (const Node* node = self.grad_fn().get(); node && node->is_view;
       node = node->next_edges[0].fn.get())
    if (const TensorImpl* leaf = node->next_edges[0].leaf.get()) return leaf;
  return nullptr;
}

void begin_inplace(const char* op, Tensor& self) {
  check_not_copy_of_view(op, self);  // a copy where PyTorch has a view: the write would be lost
  if (self.requires_grad() && self.is_leaf() && grad_enabled())
    fail(op, ": a leaf tensor that requires grad (shape ", self.shape(),
         ") is being used in an in-place operation; wrap the update in ag::NoGradGuard");
  // A view shares its leaf's storage: writing through it would change the
  // leaf's value behind autograd's back (PyTorch refuses this too).
  if (grad_enabled())
    if (const TensorImpl* leaf = viewed_leaf(self); leaf && leaf->storage == self.impl()->storage)
      fail(op, ": a view (shape ", self.shape(), ") of a leaf tensor that requires grad (shape ",
           leaf->shape,
           ") is being used in an in-place operation; wrap the update in ag::NoGradGuard");
  if (grad_enabled()) (void)self.grad_fn();  // a stale view takes its base's history first
}

// ---------------------------------------------------------------- after the write
// self, a view, was just written in place. Its storage is the whole of its
// base's, so the base's new value is exactly reshape(self's new value): the
// base's new grad_fn is a ReshapeBackward over self's new history, as
// PyTorch's CopySlices does for a view that covers its whole base. Other
// views of the same base see the bumped version and rebuild their history
// from the base's on next use (refresh_view_history).
static void rebase_history(Tensor& self) {
  Tensor base(self.impl()->view_base);
  if (self.requires_grad()) {
    Tensor rebased = reshape(self, base.shape());
    base.impl()->grad_fn = rebased.grad_fn();
    base.impl()->grad_fn->output_name = base.impl()->name;
    base.impl()->requires_grad = true;
  } else if (base.impl()->grad_fn) {
    base.impl()->grad_fn.reset();  // the new value is a constant: no history left
    base.impl()->requires_grad = false;
  }
}

void end_inplace(Tensor& self, const std::shared_ptr<Node>& history) {
  self.bump_version();
  TensorImpl& impl = *self.impl();
  impl.view_version = impl.storage->version;  // the history set below is the current one
  if (history) {
    // self now holds the new value, so it takes over that value's history.
    impl.grad_fn = history;
    impl.requires_grad = true;
  } else if (grad_enabled() && impl.grad_fn) {
    // The new value does not depend on anything that requires grad (fill_,
    // copy_ of a constant): the old history no longer applies.
    impl.grad_fn.reset();
    impl.requires_grad = false;
  }
  if (grad_enabled() && impl.view_base) rebase_history(self);
}

void commit_inplace(const char* op, Tensor& self, const Tensor& result) {
  begin_inplace(op, self);
  if (result.shape() != self.shape())
    fail(op, ": the result of shape ", result.shape(), " cannot be written in place into shape ",
         self.shape());
  std::copy(result.data(), result.data() + result.numel(), self.data());
  end_inplace(self, result.grad_fn());
}

// ---------------------------------------------------------------- a stale view
void refresh_view_history(const std::shared_ptr<TensorImpl>& view) {
  TensorImpl& impl = *view;
  impl.view_version = impl.storage->version;  // first: reshape below reads requires_grad again
  Tensor fresh;
  {
    EnableGradGuard record;  // the history is rebuilt even when asked for under NoGradGuard
    fresh = reshape(Tensor(impl.view_base), impl.shape);
  }
  impl.grad_fn = fresh.grad_fn();
  impl.requires_grad = fresh.requires_grad();
  if (impl.grad_fn) impl.grad_fn->output_name = impl.name;
}

}  // namespace ag
