// core/ops/einsum.h: Einstein summation over two operands, as torch.einsum.
#pragma once

#include <string>

#include "core/tensor.h"

namespace ag {

// einsum("bhqd,bhkd->bhqk", query, key): each letter names a dimension; a
// letter in both operands but not after "->" is summed over (contracted).
// Supported: two operands, an explicit "->", each letter at most once per
// operand, letters in one operand only (summed out if not in the output), and
// "..." for any number of leading, middle or trailing dimensions, broadcast
// between the operands as PyTorch does ("...ij,...jk->...ik",
// "b...d,b...d->b..."); "..." left out of the output sums those dimensions.
// Differs from PyTorch: no repeated letter (diagonals), no size-1 broadcasting of letters.
// Runs as permute + reshape + one bmm (the shared GEMM), so it is as fast as matmul.
Tensor einsum(const std::string& equation, const Tensor& a, const Tensor& b);

}  // namespace ag
