// core/ops/einsum.h: Einstein summation over two operands, as torch.einsum.
#pragma once

#include <string>

#include "core/tensor.h"

namespace ag {

// einsum("bhqd,bhkd->bhqk", query, key): each letter names a dimension; a
// letter in both operands but not after "->" is summed over (contracted).
// Supported: two operands, an explicit "->", each letter at most once per
// operand, letters in one operand only (summed out if not in the output).
// Differs from PyTorch: no "...", no repeated letter (diagonals), no size-1 broadcasting.
// Runs as permute + reshape + one bmm (the shared GEMM), so it is as fast as matmul.
Tensor einsum(const std::string& equation, const Tensor& a, const Tensor& b);

}  // namespace ag
