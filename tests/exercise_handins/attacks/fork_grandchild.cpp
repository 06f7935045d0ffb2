// Attack: a process that outlives the runner. The answer is right, but first
// it starts a child with the raw clone system call (inline assembly: no
// symbol for the allow-list to see), which would keep the result pipe open
// after the runner ends and could go on running as the grader's user.
// Expected: "tried to start a process" (the seccomp filter), score 0.
#include "tutorials/exercises/softmax_backward.h"

namespace {

// clone(SIGCHLD, 0, 0, 0, 0): a fork. The numbers are the kernel's (x86-64: 56, aarch64: 220).
long raw_fork() {
  long result = -1;
#if defined(__x86_64__)
  asm volatile("syscall"
               : "=a"(result)
               : "a"(56L), "D"(17L), "S"(0L), "d"(0L)
               : "rcx", "r11", "memory");
#elif defined(__aarch64__)
  register long x8 asm("x8") = 220, x0 asm("x0") = 17, x1 asm("x1") = 0;
  asm volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1) : "memory");
  result = x0;
#endif
  return result;
}

}  // namespace

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  if (raw_fork() == 0) {  // the grandchild: holds the pipes, never ends
    volatile unsigned long spin = 0;
    while (true) spin = spin + 1;
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float dot = 0;  // sum_i y_i dy_i: the one per-row sum
    for (int64_t j = 0; j < cols; ++j) dot += yr[j] * gr[j];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = yr[j] * (gr[j] - dot);
  }
}

}  // namespace ex
