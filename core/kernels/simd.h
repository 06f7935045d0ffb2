// core/kernels/simd.h: moving a vector of floats in and out of memory.
//
// The fast kernels (gemm.cpp, softmax.cpp) compute on GCC/Clang vector types,
//   typedef float vfloat __attribute__((vector_size(16 * sizeof(float))));
// on which `a * b + c` is one instruction per 16 lanes, with no intrinsics
// tying the code to one CPU. Each file picks its own width (gemm's follows the
// register file, softmax's is 16); these two helpers work for any of them.
//
// Why memcpy: the floats they read may sit at any address (a row of a matrix,
// a tail of a softmax row), and casting a float* to a vfloat* would promise an
// alignment and break C++'s aliasing rules. memcpy is how C++ says "these
// bytes, as that type", and the compiler turns it into one unaligned vector
// move (vmovups).
#pragma once

#include <cstring>

namespace ag::simd {

// The Vec that starts at p: load<vfloat>(row + i).
template <class Vec>
inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Writes v's lanes to p, p + 1, ...
template <class Vec>
inline void store(float* p, Vec v) {
  std::memcpy(p, &v, sizeof v);
}

}  // namespace ag::simd
