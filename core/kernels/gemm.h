// core/kernels/gemm.h: the one matrix-multiply kernel of attograd.
//
// matmul, bmm, linear and conv2d (through im2col) all call sgemm, so one
// optimisation speeds up the whole network. No autograd in here: plain floats.
//
//   C[M, N] = alpha * op(A)[M, K] · op(B)[K, N] + beta * C[M, N]
//
// op(A) is A or its transpose, row-major with leading dimension lda (the
// distance in floats between consecutive rows of A as stored). With beta == 0,
// C is overwritten and never read (so it may hold garbage or NaN).
//
// Its textbook twin, three loops with the same signature and meaning, is
// sgemm_naive in core/reference/gemm_naive.h. Two relatives build on sgemm:
// gemm_batched.h (many products of one size: bmm, batched matmul) and
// gemm_packed.h (one op(A) packed once for many products: conv2d, which can
// also hand it an Epilogue, below).
#pragma once

#include <cstdint>

namespace ag {

// What happens to C after the product, applied to each tile of C while it is
// still in the micro-kernel's registers (one pass over C instead of three).
// The eval-mode fused conv (nn/fold_batch_norm.cpp) uses it for "+ bias,
// + the residual, then ReLU". Element (i, j) of C becomes
//
//   C[i, j] = act( alpha·(op(A)·op(B))[i, j] + beta·C[i, j] + bias[i] + residual[i, j] )
//
// with act(v) = max(v, 0) when relu is set and v otherwise; a null bias or
// residual adds nothing. bias is one number per ROW of C (a conv's rows are
// its output channels); residual is an M×N matrix, read only, row i at
// residual + i·residual_ld. The default Epilogue does nothing. Its textbook
// twin is the unfused composition: the product, then the three passes.
struct Epilogue {
  const float* bias = nullptr;      // [M] or null
  const float* residual = nullptr;  // [M, N] or null
  int64_t residual_ld = 0;
  bool relu = false;

  bool does_nothing() const { return bias == nullptr && residual == nullptr && !relu; }
  // The same epilogue for the block of C whose first element is C[i0, j0].
  Epilogue at(int64_t i0, int64_t j0) const {
    Epilogue shifted = *this;
    if (bias) shifted.bias += i0;
    if (residual) shifted.residual += i0 * residual_ld + j0;
    return shifted;
  }
  // One element, (i, j) of the block this epilogue is positioned at, whose
  // product-and-beta part is `value`: the scalar form of the formula above.
  float apply(float value, int64_t i, int64_t j) const {
    if (bias) value += bias[i];
    if (residual) value += residual[i * residual_ld + j];
    return relu && value < 0.0f ? 0.0f : value;  // a NaN stays NaN, as with max(v, 0)
  }
};

// Cache-blocked, register-blocked, and threaded with parallel_for (a call
// from inside a parallel_for worker runs on that worker alone). Throws
// ag::Error for negative sizes or a leading dimension shorter than a row.
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace ag
