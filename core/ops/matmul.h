// core/ops/matmul.h: matrix products, all on the one GEMM in core/kernels/gemm.h.
#pragma once

#include "core/tensor.h"

namespace ag {

// PyTorch's matmul rules: 1-D·1-D dot, 2-D·2-D matrix product, 1-D operands
// get a dimension prepended/appended then removed, and >2-D operands are
// batches of matrices whose batch dimensions broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);
// a: (B, N, K) · b: (B, K, M) -> (B, N, M); no broadcasting, as torch.bmm.
Tensor bmm(const Tensor& a, const Tensor& b);
// x: (..., in) · weight(out, in)ᵀ + bias(out) -> (..., out), as torch.nn.functional.linear.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace ag
