// core/ops/softmax.h: softmax and log_softmax over any dimension.
// Both subtract the row max first, so a row of 1000s gives no inf or NaN, and
// both have analytic backwards (not a composition of exp and sum).
#pragma once

#include "core/tensor.h"

namespace ag {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// softmax written over x itself, for a tensor whose old value nobody needs
// (SelfAttention's scores): saves a buffer the size of x. PyTorch has no
// public softmax_; its autograd allows the same trick internally. Refuses a
// leaf that requires grad, as every in-place op does.
Tensor& softmax_(Tensor& x, int64_t dim);

}  // namespace ag
