// core/kernels/permute.h: the copy behind permute and transpose (no autograd).
//
// Shape legend: x has rank r; out = permute(x, dims) has r dims too, with
//   out.shape[d] = x.shape[dims[d]]      e.g. (B, T, H, D) -> (B, H, T, D) for dims {0, 2, 1, 3}
// Both x and out are contiguous: attograd has no strided views, so permute
// copies (which keeps every other kernel a plain loop).
// The textbook twin is in core/reference/permute_naive.h.
#pragma once

#include <vector>

#include "core/error.h"  // Shape

namespace ag {

// Moving out's index d by one moves x's flat index by step[d] (x's stride of
// dim dims[d]) and out's by out_stride[d].
struct PermutePlan {
  Shape shape;                      // out's shape
  int64_t count = 1;                // out's number of elements
  std::vector<int64_t> step;        // x's stride seen from each out dim
  std::vector<int64_t> out_stride;  // out's own strides
  int64_t reads_last = 0;           // the out dim that walks x's last (contiguous) dim
};

// dims must already be a checked permutation of x's dimensions.
PermutePlan plan_permute(const Shape& in, const std::vector<int64_t>& dims);

// dst = permute(src): 32×32 tiles when the copy really transposes, else row by row.
void permute_copy(const PermutePlan& p, const float* src, float* dst);

}  // namespace ag
