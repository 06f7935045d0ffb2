// core/reference/permute_naive.cpp: the permute copy, one element at a time.
#include "core/reference/permute_naive.h"

#include <vector>

namespace ag {

// The reference: walk out row by row (its last dim is contiguous), reading x
// with strides; an odometer over out's leading dims tracks where x's row starts.
void permute_copy_naive(const PermutePlan& p, const float* src, float* dst) {
  const int64_t rank = static_cast<int64_t>(p.shape.size()), n = p.count;
  if (rank == 0) {
    dst[0] = src[0];
    return;
  }
  const int64_t row = p.shape[rank - 1], row_step = p.step[rank - 1];
  std::vector<int64_t> idx(rank, 0);
  int64_t base = 0;
  for (int64_t r = 0; r < n / row; ++r) {
    for (int64_t j = 0; j < row; ++j) dst[r * row + j] = src[base + j * row_step];
    for (int64_t d = rank - 2; d >= 0; --d) {
      base += p.step[d];
      if (++idx[d] < p.shape[d]) break;
      base -= p.step[d] * p.shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace ag
