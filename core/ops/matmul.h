// core/ops/matmul.h: matrix products, all on the one GEMM in core/kernels/gemm.h.
//
// Shape legend: M rows of a, K the size summed over, N columns of b, B batch.
#pragma once

#include "core/tensor.h"

namespace ag {

// PyTorch's matmul rules: 1-D·1-D dot, 2-D·2-D matrix product, 1-D operands
// get a dimension prepended/appended then removed, and >2-D operands are
// batches of matrices whose batch dimensions broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);
// BLAS's transa/transb for bmm: read a stored operand as its transpose
// without a permute copy. bmm(q, k, {.transpose_a = true}) is qᵀ·k.
struct BmmOptions {
  bool transpose_a = false;  // a is stored (B, K, M): op(a) = aᵀ per batch
  bool transpose_b = false;  // b is stored (B, N, K): op(b) = bᵀ per batch
};
// a: (B, M, K) · b: (B, K, N) -> (B, M, N); no broadcasting, as torch.bmm.
// With options, op(a)·op(b): the gradients come back in each operand's own layout.
Tensor bmm(const Tensor& a, const Tensor& b, const BmmOptions& options = {});
// input + alpha · op(a)·op(b) -> (B, M, N), alpha a one-element tensor that
// may require grad (torch.baddbmm with beta = 1 and a tensor alpha): SAGAN's
// `gamma * attended + x` as one gemm, with no separate product, mul or add.
// input broadcasts to (B, N, M) as in PyTorch (a bias (M) or (N, M) for every
// batch); its gradient is summed back to its own shape.
Tensor baddbmm(const Tensor& input, const Tensor& a, const Tensor& b, const Tensor& alpha,
               const BmmOptions& options = {});
// x: (..., in) · weight(out, in)ᵀ + bias(out) -> (..., out), as torch.nn.functional.linear.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace ag
