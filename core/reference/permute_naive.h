// core/reference/permute_naive.h: the textbook permute copy, the yardstick for
// core/kernels/permute.h (same plan, same meaning).
#pragma once

#include "core/kernels/permute.h"

namespace ag {

// dst = permute(src), walking dst row by row and reading src with strides.
void permute_copy_naive(const PermutePlan& p, const float* src, float* dst);

}  // namespace ag
