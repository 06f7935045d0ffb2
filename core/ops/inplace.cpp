// core/ops/inplace.cpp: in-place updates and the arithmetic operators.
//
// An in-place op computes its result out of place from the old value, then
// commit_inplace() writes it back into the same storage and bumps the
// version. That way autograd stays correct (the tensor's history becomes the
// result's), and any node that saved the old value notices the change at
// backward time instead of silently using the new data.
#include "core/ops/inplace.h"
#include "core/autograd.h"
#include "core/inplace_history.h"
#include "core/ops/elementwise.h"
#include "core/ops/shape.h"

namespace ag {

Tensor& add_(Tensor& self, const Tensor& other, float alpha) {
  if (broadcast_shapes("add_", self.shape(), other.shape()) != self.shape())
    fail("add_: shape ", other.shape(), " does not broadcast to the in-place target's shape ",
         self.shape());
  commit_inplace("add_", self, alpha == 1.0f ? add(self, other) : add(self, mul(other, alpha)));
  return self;
}
Tensor& add_(Tensor& self, float value) {
  commit_inplace("add_", self, add(self, value));
  return self;
}
Tensor& mul_(Tensor& self, const Tensor& other) {
  if (broadcast_shapes("mul_", self.shape(), other.shape()) != self.shape())
    fail("mul_: shape ", other.shape(), " does not broadcast to the in-place target's shape ",
         self.shape());
  // mul saves its inputs for backward, and the commit is about to overwrite
  // self: with a graph to record, multiply a copy (a differentiable clone),
  // so the saved value is the one before the write.
  const Tensor before = needs_grad({self, other}) ? clone(self) : self;
  commit_inplace("mul_", self, mul(before, other));
  return self;
}
Tensor& mul_(Tensor& self, float value) {
  commit_inplace("mul_", self, mul(self, value));
  return self;
}
Tensor& relu_(Tensor& self) {
  commit_inplace("relu_", self, relu(self));
  return self;
}
Tensor& fill_(Tensor& self, float value) {
  commit_inplace("fill_", self, full(self.shape(), value));
  return self;
}
Tensor& zero_(Tensor& self) { return fill_(self, 0.0f); }
Tensor& copy_(Tensor& self, const Tensor& src) {
  if (src.shape() != self.shape())
    fail("copy_: source of shape ", src.shape(), " does not match destination of shape ",
         self.shape());
  commit_inplace("copy_", self, src.requires_grad() && grad_enabled() ? add(src, 0.0f) : src);
  return self;
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, float b) { return add(a, b); }
Tensor operator-(const Tensor& a, float b) { return sub(a, b); }
Tensor operator*(const Tensor& a, float b) { return mul(a, b); }
Tensor operator/(const Tensor& a, float b) { return div(a, b); }
Tensor operator+(float a, const Tensor& b) { return add(b, a); }
Tensor operator-(float a, const Tensor& b) { return rsub(a, b); }
Tensor operator*(float a, const Tensor& b) { return mul(b, a); }
Tensor operator/(float a, const Tensor& b) { return rdiv(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor& operator+=(Tensor& a, const Tensor& b) { return add_(a, b); }
Tensor& operator*=(Tensor& a, float b) { return mul_(a, b); }

}  // namespace ag
