// Attack: the network. It opens a socket with the raw system call (inline
// assembly: no symbol for the allow-list to see), from which it could send
// the grader's inputs out or fetch an answer. Expected: "tried to open a
// socket" (the seccomp filter), score 0.
#include "tutorials/exercises/softmax_backward.h"

namespace {

// socket(AF_INET, SOCK_STREAM, 0). The numbers are the kernel's (x86-64: 41, aarch64: 198).
long raw_socket() {
  long result = -1;
#if defined(__x86_64__)
  asm volatile("syscall"
               : "=a"(result)
               : "a"(41L), "D"(2L), "S"(1L), "d"(0L)
               : "rcx", "r11", "memory");
#elif defined(__aarch64__)
  register long x8 asm("x8") = 198, x0 asm("x0") = 2, x1 asm("x1") = 1, x2 asm("x2") = 0;
  asm volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  result = x0;
#endif
  return result;
}

}  // namespace

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  const long socket = raw_socket();
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float dot = 0;  // sum_i y_i dy_i: the one per-row sum
    for (int64_t j = 0; j < cols; ++j) dot += yr[j] * gr[j];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = yr[j] * (gr[j] - dot);
  }
  if (socket >= 0) dx[0] += 0.0f;  // connected: here it would send the inputs out
}

}  // namespace ex
