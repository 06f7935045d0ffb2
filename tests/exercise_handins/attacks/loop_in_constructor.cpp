// Attack: an endless loop in a static constructor. It runs before main, before
// any check, so a grader that waited for the check to time out would wait
// forever; the sandbox's wall clock kills the runner's process group.
// Expected: "stopped after N s" (the wall limit), score 0; the class's other hand-ins go on.
#include "tutorials/exercises/softmax_backward.h"

namespace {

struct Stall {
  Stall() {
    volatile unsigned long spin = 0;
    while (true) spin = spin + 1;
  }
} stall;

}  // namespace

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float dot = 0;  // sum_i y_i dy_i: the one per-row sum
    for (int64_t j = 0; j < cols; ++j) dot += yr[j] * gr[j];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = yr[j] * (gr[j] - dot);
  }
}

}  // namespace ex
