// tests/kernels/test_gemm_epilogue.cpp: the GEMM's epilogue (gemm.h: + bias per
// row, + residual, then ReLU, applied while each tile of C is in registers)
// against the unfused composition: the product, then one plain pass for each.
// First on sgemm_packed itself, then on the two fused conv kernels (im2col and
// Winograd) against the seven loops of conv_naive plus the passes, over random
// shapes around the micro-tile and the KC block, on 1 and 2 threads.
//
// Shape legend: C[M, N] = alpha · A[M, K] · B[K, N] + beta · C; conv as conv.h
// (N batch, C/O channels, H×W input, OH×OW output).
#include <doctest/doctest.h>

#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "core/ag.h"
#include "core/error.h"
#include "core/kernels/conv.h"
#include "core/kernels/gemm.h"
#include "core/kernels/gemm_packed.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/winograd.h"
#include "core/reference/conv_naive.h"
#include "core/reference/gemm_naive.h"
#include "tests/helpers/kernel_test_util.h"

using namespace ag;
using ag_test::max_error;
using ag_test::random_values;
using ag_test::ThreadCount;

namespace {

// The three passes of the unfused composition over an M×N matrix C (leading
// dimension ldc): + bias[i] on row i, + residual[i, j], then max(., 0).
void unfused_passes(int64_t M, int64_t N, float* C, int64_t ldc, const float* bias,
                    const float* residual, int64_t residual_ld, bool relu) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      if (bias) C[i * ldc + j] += bias[i];
    }
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      if (residual) C[i * ldc + j] += residual[i * residual_ld + j];
    }
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      if (relu && C[i * ldc + j] < 0.0f) C[i * ldc + j] = 0.0f;
    }
}

struct Parts {
  bool bias, residual, relu;
};

// sgemm_packed with the epilogue, against sgemm_naive and the three passes.
// Returns max_error over the whole of C, padding included (the padding must
// come back untouched: it is compared with the same untouched copy).
double gemm_epilogue_error(int64_t M, int64_t N, int64_t K, float beta, Parts parts,
                           uint64_t seed) {
  const int64_t ldc = N + 3, residual_ld = N + 5;
  const auto A = random_values(M * K, seed), B = random_values(K * N, seed + 1);
  const auto bias = random_values(M, seed + 2), residual = random_values(M * residual_ld, seed + 3);
  const auto C0 = random_values(M * ldc, seed + 4);
  Epilogue epilogue;
  epilogue.bias = parts.bias ? bias.data() : nullptr;
  epilogue.residual = parts.residual ? residual.data() : nullptr;
  epilogue.residual_ld = residual_ld;
  epilogue.relu = parts.relu;

  std::vector<float> fused = C0, unfused = C0;
  const PackedA packed(false, M, K, A.data(), K);
  sgemm_packed(packed, N, 0.5f, matrix_rows(B.data(), N), beta, fused.data(), ldc, epilogue);
  sgemm_naive(false, false, M, N, K, 0.5f, A.data(), K, B.data(), N, beta, unfused.data(), ldc);
  unfused_passes(M, N, unfused.data(), ldc, epilogue.bias, epilogue.residual, residual_ld,
                 parts.relu);
  return max_error(fused, unfused);
}

ConvGeometry geometry(int64_t N, int64_t C, int64_t H, int64_t W, int64_t O, int64_t k, int64_t pad,
                      int64_t stride) {
  ConvGeometry g;
  g.N = N, g.C = C, g.H = H, g.W = W, g.O = O, g.kh = g.kw = k;
  g.pad_h = g.pad_w = pad;
  g.stride_h = g.stride_w = stride;
  conv_fill_output_size(g);
  return g;
}

std::string describe(const ConvGeometry& g, Parts parts) {
  std::ostringstream os;
  os << "N" << g.N << " C" << g.C << " " << g.H << "x" << g.W << " O" << g.O << " k" << g.kh
     << " pad " << g.pad_h << " stride " << g.stride_h << (parts.residual ? " +residual" : "")
     << (parts.relu ? " relu" : "");
  return os.str();
}

// A fused conv kernel against the seven loops (with the bias), then the
// residual and ReLU passes. out starts as garbage: the kernel must overwrite.
template <class FusedConv>
double conv_epilogue_error(const ConvGeometry& g, Parts parts, FusedConv fused_conv) {
  const int64_t out_size = g.N * g.O * g.OH * g.OW, plane = g.OH * g.OW;
  const auto x = random_values(g.N * g.C * g.H * g.W, 21);
  const auto weight = random_values(g.O * g.C * g.kh * g.kw, 22);
  const auto bias = random_values(g.O, 23), residual = random_values(out_size, 24);
  std::vector<float> fused(out_size, 5.0f), unfused(out_size, 6.0f);
  const ConvEpilogue then{parts.residual ? residual.data() : nullptr, parts.relu};
  fused_conv(g, x.data(), weight.data(), parts.bias ? bias.data() : nullptr, then, fused.data());
  conv2d_forward_naive(g, x.data(), weight.data(), parts.bias ? bias.data() : nullptr,
                       unfused.data());
  // (N·O, plane) rows, no bias left to add: the naive conv added it.
  unfused_passes(g.N * g.O, plane, unfused.data(), plane, nullptr, then.residual, plane,
                 parts.relu);
  return max_error(fused, unfused);
}

}  // namespace

TEST_SUITE("kernels.gemm_epilogue") {

TEST_CASE("sgemm_packed's epilogue equals the product, then + bias, + residual, ReLU") {
  // M around MR = 14 and MC = 112, N around NR = 32 (N <= NR reads A in
  // place), K past KC = 256 (the epilogue must act on the last K step only).
  struct Size {
    int64_t M, N, K;
  };
  const Size sizes[] = {{14, 32, 9},   {15, 33, 40},  {1, 1, 1},
                        {29, 70, 300}, {113, 31, 17}, {7, 96, 513}};
  const Parts all_parts[] = {{true, false, false},
                             {false, true, false},
                             {false, false, true},
                             {true, true, true},
                             {false, true, true}};
  uint64_t seed = 100;
  for (int threads : {1, 2}) {
    ThreadCount scope(threads);
    for (const Size& s : sizes)
      for (const Parts& parts : all_parts)
        for (float beta : {0.0f, 0.75f}) {
          INFO("threads ", threads, " M", s.M, " N", s.N, " K", s.K, " beta ", beta, " bias ",
               parts.bias, " residual ", parts.residual, " relu ", parts.relu);
          CHECK(gemm_epilogue_error(s.M, s.N, s.K, beta, parts, seed++) < 1e-5);
        }
  }
}

TEST_CASE("the epilogue's ReLU clamps exactly the negative sums, worked by hand") {
  // A = [[1], [-1]], B = [[2, -3]]: product [[2, -3], [-2, 3]]; bias [0.5, 1]
  // and residual [[0, 1], [0, -5]] make [[2.5, -1.5], [-1, -1]]: ReLU -> [[2.5, 0], [0, 0]].
  const float A[] = {1.0f, -1.0f}, B[] = {2.0f, -3.0f}, bias[] = {0.5f, 1.0f};
  const float residual[] = {0.0f, 1.0f, 0.0f, -5.0f};
  float C[4] = {9.0f, 9.0f, 9.0f, 9.0f};
  const PackedA packed(false, 2, 1, A, 1);
  Epilogue epilogue{bias, residual, 2, true};
  sgemm_packed(packed, 2, 1.0f, matrix_rows(B, 2), 0.0f, C, 2, epilogue);
  CHECK(C[0] == 2.5f);
  CHECK(C[1] == 0.0f);
  CHECK(C[2] == 0.0f);
  CHECK(C[3] == 0.0f);
  epilogue.relu = false;  // without it the negative sums stay
  sgemm_packed(packed, 2, 1.0f, matrix_rows(B, 2), 0.0f, C, 2, epilogue);
  CHECK(C[1] == -1.5f);
  CHECK(C[2] == -1.0f);
  CHECK(C[3] == -1.0f);
}

TEST_CASE("K = 0: the epilogue still applies to beta·C") {
  const float bias[] = {1.0f, -4.0f};
  float C[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  const PackedA packed(false, 2, 0, nullptr, 1);
  sgemm_packed(packed, 2, 1.0f, matrix_rows(nullptr, 2), 1.0f, C, 2,
               Epilogue{bias, nullptr, 0, true});
  CHECK(C[0] == 2.0f);
  CHECK(C[1] == 3.0f);
  CHECK(C[2] == 0.0f);  // 3 - 4 < 0
  CHECK(C[3] == 0.0f);  // 4 - 4 == 0
}

TEST_CASE("sgemm_packed: a residual row shorter than N is refused") {
  const float A[] = {1.0f, 2.0f}, B[] = {1.0f, 2.0f, 3.0f}, residual[6] = {};
  float C[6];
  const PackedA packed(false, 2, 1, A, 1);
  CHECK_THROWS_WITH_AS(sgemm_packed(packed, 3, 1.0f, matrix_rows(B, 3), 0.0f, C, 3,
                                    Epilogue{nullptr, residual, 2, false}),
                       "sgemm_packed: the epilogue's residual_ld=2 is smaller than N=3", ag::Error);
}

TEST_CASE("fused conv kernels (im2col and Winograd) equal conv, then + residual, ReLU") {
  const Parts all_parts[] = {
      {true, false, true}, {true, true, true}, {true, true, false}, {false, true, true}};
  for (int threads : {1, 2}) {
    ThreadCount scope(threads);
    // im2col + sgemm: 1x1, strided and odd shapes, one or several images.
    const ConvGeometry im2col_shapes[] = {geometry(2, 5, 7, 6, 17, 3, 1, 1),
                                          geometry(3, 8, 9, 9, 30, 1, 0, 1),
                                          geometry(1, 3, 11, 10, 16, 3, 1, 2)};
    for (const ConvGeometry& g : im2col_shapes)
      for (const Parts& parts : all_parts) {
        INFO("im2col, threads ", threads, ": ", describe(g, parts));
        CHECK(conv_epilogue_error(g, parts, conv2d_forward_fused) < 1e-5);
      }
    // Winograd: odd output sizes (a half tile dropped), padding 0 and 1.
    const ConvGeometry winograd_shapes[] = {geometry(2, 6, 7, 9, 15, 3, 1, 1),
                                            geometry(4, 4, 6, 5, 9, 3, 0, 1)};
    for (const ConvGeometry& g : winograd_shapes)
      for (const Parts& parts : all_parts) {
        INFO("Winograd, threads ", threads, ": ", describe(g, parts));
        CHECK(conv_epilogue_error(g, parts, winograd_conv2d_forward_fused) < 1e-5);
      }
  }
}

TEST_CASE("conv2d_fused_eval (fast and AG_KERNELS=naive) equals conv2d, add, relu") {
  // 3×3 (Winograd), 1×1 and strided 3×3 (im2col) convs, each with a residual
  // and ReLU; the unfused composition runs in the same kernel mode.
  struct Case {
    Shape x, weight;
    Conv2dOptions options;
  };
  const Case cases[] = {{{2, 32, 6, 7}, {32, 32, 3, 3}, Conv2dOptions().padding(1)},
                        {{3, 5, 4, 4}, {6, 5, 1, 1}, Conv2dOptions()},
                        {{1, 4, 9, 8}, {7, 4, 3, 3}, Conv2dOptions().stride(2).padding(1)}};
  manual_seed(3);
  for (size_t index = 0; index < std::size(cases); ++index) {
    const Case& c = cases[index];
    const Tensor x = randn(c.x), weight = randn(c.weight), bias = randn({c.weight[0]});
    for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
      KernelsGuard scope(mode);
      INFO(kernels_name(mode), ", case ", index);
      const Tensor plain = conv2d(x, weight, bias, c.options);
      const Tensor residual = randn(plain.shape());
      const Tensor expected = relu(add(plain, residual));
      const Tensor fused = conv2d_fused_eval(x, weight, bias, c.options, residual, true);
      CHECK(fused.shape() == expected.shape());
      CHECK(max_error(fused.to_vector(), expected.to_vector()) < 1e-6);
      const Tensor no_relu = conv2d_fused_eval(x, weight, bias, c.options, Tensor(), false);
      CHECK(max_error(no_relu.to_vector(), plain.to_vector()) < 1e-6);
    }
  }
  const Tensor x = randn({1, 2, 4, 4}), weight = randn({3, 2, 3, 3});
  CHECK_THROWS_WITH_AS(
      conv2d_fused_eval(x, weight, Tensor(), Conv2dOptions(), randn({1, 3, 4, 4}), true),
      "add: shapes [1, 3, 2, 2] and [1, 3, 4, 4] cannot be broadcast together (the fused conv + "
      "batch norm + residual)",
      ag::Error);
  // It records no history, so a gradient asked for is refused, not silently lost.
  const Tensor w_grad = randn({3, 2, 3, 3}).requires_grad_();
  CHECK_THROWS_WITH_AS(conv2d_fused_eval(x, w_grad, Tensor(), Conv2dOptions(), Tensor(), true),
                       "conv2d_fused_eval: inference only, but an input of shape [3, 2, 3, 3] "
                       "requires grad (use conv2d, or ag::NoGradGuard)",
                       ag::Error);
  NoGradGuard no_grad;
  CHECK(conv2d_fused_eval(x, w_grad, Tensor(), Conv2dOptions(), Tensor(), true).shape() ==
        Shape{1, 3, 2, 2});
}

}  // TEST_SUITE("kernels.gemm_epilogue")
