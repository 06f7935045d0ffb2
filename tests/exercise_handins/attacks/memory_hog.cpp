// Attack (or a bug): memory without end. Blocks of 512 MiB are taken and
// touched (a page at a time, so each is really resident), as a cache that is
// never emptied would, towards 16 GiB; unchecked, it takes the machine's
// memory from everyone else. Expected: "used more than 2 GiB" (RLIMIT_AS
// makes the allocation that crosses it fail at once; the runner's
// new-handler names it), score 0, within a second or so, not a timeout.
#include <memory>
#include <vector>

#include "tutorials/exercises/softmax_backward.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  constexpr size_t block_bytes = size_t{512} << 20, page = 4096;
  std::vector<std::unique_ptr<char[]>> blocks;
  while (blocks.size() < 32) {
    blocks.emplace_back(new char[block_bytes]);
    for (size_t at = 0; at < block_bytes; at += page) blocks.back()[at] = 1;
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
