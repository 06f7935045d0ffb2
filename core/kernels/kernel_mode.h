// core/kernels/kernel_mode.h: one switch that routes every op to its naive reference.
//
// Each fast kernel core/kernels/<family>.cpp has a textbook twin in
// core/reference/<family>_naive.cpp. Every op picks one the same way,
//   fast_or_naive(conv2d_forward, conv2d_forward_naive)(g, x, w, bias, out);
// so a student can set AG_KERNELS=naive and step through plain loops in gdb,
// or compare the two paths on a real network.
//
//   AG_KERNELS=fast   (default) the threaded, blocked kernels
//   AG_KERNELS=naive  the reference loops everywhere
//
// The environment variable is read the first time kernels() is asked; an
// unknown value throws ag::Error then (and on every later ask, until
// set_kernels() chooses explicitly). set_kernels() always wins over the
// environment.
#pragma once

#include <string>

namespace ag {

enum class Kernels { Fast, Naive };

void set_kernels(Kernels mode);
Kernels kernels();
// "fast" or "naive". A std::string, not a const char*: doctest's INFO and
// CAPTURE print a char pointer as an address.
std::string kernels_name(Kernels mode);
// The reading of AG_KERNELS: "fast", "naive", or empty (fast); anything else
// throws ag::Error naming the variable, the value and the accepted ones.
Kernels parse_kernels(const char* value);

// The one kernel switch of every op: `naive` under Kernels::Naive, else `fast`.
// Both have the same signature, so the call after it reads the same either way.
template <class Fn>
Fn* fast_or_naive(Fn* fast, Fn* naive) {
  return kernels() == Kernels::Naive ? naive : fast;
}

// While alive, kernels() returns `mode`; the previous choice is restored after
// (tests use it to run one computation both ways).
class KernelsGuard {
 public:
  explicit KernelsGuard(Kernels mode);
  ~KernelsGuard();
  KernelsGuard(const KernelsGuard&) = delete;
  KernelsGuard& operator=(const KernelsGuard&) = delete;

 private:
  int previous_;  // the raw state, so an unresolved environment stays unresolved
};

}  // namespace ag
