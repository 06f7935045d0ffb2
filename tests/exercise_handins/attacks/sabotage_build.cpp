// Attack: breaking the build for the hand-ins graded after this one, by
// renaming the library they link (build/libattograd.a), as seen from the
// places a runner may start in. Expected: "tried to rename, delete or change
// a file" (the seccomp filter), score 0.
// Harmless if it ever ran unconfined: each file is renamed to its own name,
// which the kernel still has to be asked for (and the filter refuses).
#include <filesystem>

#include "tutorials/exercises/softmax_backward.h"

namespace {

void sabotage() {
  std::error_code error;
  for (const char* library :
       {"build/libattograd.a", "../libattograd.a", "../../libattograd.a", "../../../libattograd.a"})
    std::filesystem::rename(library, library, error);
}

}  // namespace

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  sabotage();
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float dot = 0;  // sum_i y_i dy_i: the one per-row sum
    for (int64_t j = 0; j < cols; ++j) dot += yr[j] * gr[j];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = yr[j] * (gr[j] - dot);
  }
}

}  // namespace ex
