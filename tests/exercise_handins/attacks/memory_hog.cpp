// Attack (or a bug): memory without end. Blocks of 1 GiB are taken, towards
// 16 GiB, as a cache that is never emptied would; unchecked, it takes the
// machine's memory from everyone else. Each block is touched once per MiB
// (really mapped, but quick: touching every page of 2 GiB takes seconds on a
// loaded machine, and the fixture would be reported as a timeout). Expected:
// "used more than 2 GiB" (RLIMIT_AS makes the allocation that crosses it fail
// at once; the runner's new-handler names it), score 0, in well under 1 s.
#include <memory>
#include <vector>

#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  constexpr size_t block_bytes = size_t{1} << 30, stride = size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> blocks;
  while (blocks.size() < 16) {
    blocks.emplace_back(new char[block_bytes]);
    for (size_t at = 0; at < block_bytes; at += stride) blocks.back()[at] = 1;
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float dot = 0;  // sum_i y_i dy_i: the one per-row sum
    for (int64_t j = 0; j < cols; ++j) dot += yr[j] * gr[j];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = yr[j] * (gr[j] - dot);
  }
  dx[0] += blocks[0][0] - 1.0f;  // uses them, so the compiler keeps them
}

}  // namespace ex
