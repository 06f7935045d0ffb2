// Attack: changing the gradebook. It tries to open ../grades.csv.tmp (the
// file grade-all writes before renaming it into place) and every *.csv it
// can find from here and from the folder above, for writing.
// Expected: "tried to open a file for writing" (the seccomp filter), score 0.
// Harmless if it ever ran unconfined: it appends one line to the temporary
// file only and opens the others in append mode without writing a byte.
#include <filesystem>
#include <fstream>

#include "tutorials/exercises/softmax_backward.h"

namespace {

void forge_grades() {
  std::ofstream("../grades.csv.tmp", std::ios::app) << "write_gradebook.cpp,100\n";
  std::error_code error;
  for (const char* top : {".", ".."}) {
    std::filesystem::recursive_directory_iterator it(top, error), end;
    for (int seen = 0; !error && it != end && seen < 10000; it.increment(error), ++seen)
      if (it->path().extension() == ".csv") std::ofstream(it->path(), std::ios::app).flush();
  }
}

}  // namespace

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  forge_grades();
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float dot = 0;  // sum_i y_i dy_i: the one per-row sum
    for (int64_t j = 0; j < cols; ++j) dot += yr[j] * gr[j];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = yr[j] * (gr[j] - dot);
  }
}

}  // namespace ex
