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
// move (vmovups on x86, ldr q / str q on arm64).
//
// The target's own vector registers, for the kernels whose shape follows the
// register file (gemm's micro-tile, gemm_internal.h). The vector types compile
// on every target: on arm64 a 4-float vfloat is one NEON register and `a * b + c`
// one fmla; a wider vfloat is split into several. The numbers come from the
// compiler's own macros, so a cross-compiler for another CPU picks that CPU's.
//                 lanes (floats)  registers
//   AVX-512            16            32      (x86-64 with -march=native on a recent CPU)
//   AVX / AVX2          8            16
//   NEON (arm64)        4            32      (always present on aarch64)
//   SSE or other        4            16
#pragma once

#include <cstring>

namespace ag::simd {

#if defined(__AVX512F__)
constexpr int kNativeLanes = 16;
constexpr int kVectorRegisters = 32;
#elif defined(__AVX__)
constexpr int kNativeLanes = 8;
constexpr int kVectorRegisters = 16;
#elif defined(__aarch64__)
constexpr int kNativeLanes = 4;
constexpr int kVectorRegisters = 32;
#else
constexpr int kNativeLanes = 4;
constexpr int kVectorRegisters = 16;
#endif

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
