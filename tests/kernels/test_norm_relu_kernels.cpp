// The raw batch norm + add + ReLU kernels (core/kernels/norm_relu.h): the
// naive twin on three values worked by hand, then the fast kernels against
// the naive over odd shapes (runs that start inside a 64-bit word of the
// mask), with and without residual and affine, training and eval, 1 and 2
// threads.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/kernels/norm_relu.h"
#include "core/reference/norm_relu_naive.h"
#include "tests/helpers/kernel_test_util.h"

using namespace ag;
using ag_test::max_error;
using ag_test::random_values;
using ag_test::ThreadCount;

namespace {

bool bit(const std::vector<uint64_t>& mask, int64_t index) {
  return (mask[static_cast<size_t>(index / 64)] >> (index % 64)) & 1u;
}

// One run of the fast and the naive kernels on the same inputs, forward then backward.
struct Case {
  BatchNormShape s;
  bool training, affine, with_residual;
};

void check_fast_matches_naive(const Case& k, uint64_t seed) {
  const BatchNormShape& s = k.s;
  const int64_t size = s.N * s.C * s.S;
  const ReluMaskLayout layout(s);
  const std::vector<float> x = random_values(size, seed), residual = random_values(size, seed + 1),
                           dout = random_values(size, seed + 2);
  std::vector<float> weight = random_values(s.C, seed + 3), bias = random_values(s.C, seed + 4);
  for (float& w : weight) w += 1.5f;  // keep the scale away from 0
  const float* w = k.affine ? weight.data() : nullptr;
  const float* b = k.affine ? bias.data() : nullptr;
  const float* r = k.with_residual ? residual.data() : nullptr;

  std::vector<float> out[2], mean[2], var[2];
  std::vector<uint64_t> mask[2];
  std::vector<float> eval_mean = random_values(s.C, seed + 5), eval_invstd(s.C);
  for (int64_t c = 0; c < s.C; ++c) eval_invstd[c] = 0.5f + 0.1f * float(c % 7);
  for (int fast = 0; fast < 2; ++fast) {
    out[fast].assign(size, -7.0f);
    mask[fast].assign(layout.words(s), ~uint64_t(0));  // garbage the kernel must overwrite
    mean[fast].assign(s.C, 0.0f);
    var[fast].assign(s.C, 0.0f);
    if (k.training)
      (fast ? batch_norm_relu_forward_train : batch_norm_relu_forward_train_naive)(
          s, x.data(), w, b, r, 1e-5f, out[fast].data(), mask[fast].data(), mean[fast].data(),
          var[fast].data());
    else
      (fast ? batch_norm_relu_forward_eval : batch_norm_relu_forward_eval_naive)(
          s, x.data(), eval_mean.data(), eval_invstd.data(), w, b, r, out[fast].data(),
          mask[fast].data());
  }
  CHECK(max_error(out[1], out[0]) < 1e-5);
  if (k.training) {
    CHECK(max_error(mean[1], mean[0]) < 1e-6);
    CHECK(max_error(var[1], var[0]) < 1e-5);
  }
  // Each bit says whether its value passed; a value within rounding of 0 may
  // pass in one and not the other, but then both outputs are ~0.
  int64_t wrong_naive_bits = 0, differing = 0, differing_far_from_0 = 0;
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t c = 0; c < s.C; ++c)
      for (int64_t i = 0; i < s.S; ++i) {
        const int64_t e = (n * s.C + c) * s.S + i, at = layout.bit_index(s, n, c, i);
        wrong_naive_bits += bit(mask[0], at) != (out[0][e] > 0.0f);
        if (bit(mask[1], at) != bit(mask[0], at)) {
          ++differing;
          differing_far_from_0 += std::fabs(out[1][e]) >= 1e-5f;
        }
      }
  CHECK(wrong_naive_bits == 0);
  CHECK(differing <= 2);
  CHECK(differing_far_from_0 == 0);
  // The padding bits after a channel's M values stay 0 (the mask is all-ones garbage before).
  for (int64_t c = 0; c < s.C; ++c)
    for (int64_t j = s.count(); j < layout.words_per_channel * 64; ++j)
      CHECK_FALSE(bit(mask[1], c * layout.words_per_channel * 64 + j));

  // Backward from the same saved state (the naive forward's).
  std::vector<float> invstd(s.C);
  const std::vector<float>& used_mean = k.training ? mean[0] : eval_mean;
  for (int64_t c = 0; c < s.C; ++c)
    invstd[c] = k.training ? inverse_std(var[0][c], 1e-5f) : eval_invstd[c];
  std::vector<float> dx[2], dweight[2], dbias[2], dresidual[2];
  for (int fast = 0; fast < 2; ++fast) {
    dx[fast].assign(size, 9.0f);
    dresidual[fast].assign(size, 9.0f);
    dweight[fast].assign(s.C, 9.0f);
    dbias[fast].assign(s.C, 9.0f);
    (fast ? batch_norm_relu_backward : batch_norm_relu_backward_naive)(
        s, x.data(), dout.data(), mask[0].data(), used_mean.data(), invstd.data(), w, k.training,
        dx[fast].data(), dweight[fast].data(), dbias[fast].data(),
        r ? dresidual[fast].data() : nullptr);
  }
  CHECK(max_error(dx[1], dx[0]) < 1e-4);
  CHECK(max_error(dweight[1], dweight[0]) < 1e-4);
  CHECK(max_error(dbias[1], dbias[0]) < 1e-4);
  if (r) CHECK(max_error(dresidual[1], dresidual[0]) == 0.0);  // dout * 0 or dout * 1, exactly
}

}  // namespace

TEST_SUITE("kernels.norm_relu") {

TEST_CASE("naive batch norm + ReLU on three values, worked by hand") {
  // One channel holding 0, 1, 2: mean 1, invstd r = sqrt(3/2) (eps 0); with
  // weight 2, bias 0.5 the normalized values are 0.5 - 2r < 0, 0.5, 0.5 + 2r.
  const BatchNormShape s{3, 1, 1};
  const std::vector<float> x = {0, 1, 2}, weight = {2}, bias = {0.5f};
  std::vector<float> out(3), mean(1), var(1);
  std::vector<uint64_t> mask(1, ~uint64_t(0));
  batch_norm_relu_forward_train_naive(s, x.data(), weight.data(), bias.data(), nullptr, 0.0f,
                                      out.data(), mask.data(), mean.data(), var.data());
  const float r = std::sqrt(1.5f);
  CHECK(out[0] == 0.0f);  // clamped
  CHECK(out[1] == doctest::Approx(0.5));
  CHECK(out[2] == doctest::Approx(0.5 + 2 * r));
  CHECK(mask[0] == 0b110u);  // values 1 and 2 passed

  // dout = (1, 1, 1): g = (0, 1, 1), so dbias = 2 and dweight = sum(g * xhat)
  // = 0 + r. dx_j = w r (g_j - mean(g) - xhat_j mean(g xhat)) with mean(g) =
  // 2/3, mean(g xhat) = r/3, xhat = (-r, 0, r): dx = 2r (-2/3 + r^2/3, 1/3,
  // 1/3 - r^2/3) = 2r (-1/6, 1/3, -1/6).
  const std::vector<float> dout = {1, 1, 1};
  std::vector<float> dx(3), dweight(1), dbias(1);
  const float invstd = inverse_std(var[0], 0.0f);
  batch_norm_relu_backward_naive(s, x.data(), dout.data(), mask.data(), mean.data(), &invstd,
                                 weight.data(), true, dx.data(), dweight.data(), dbias.data(),
                                 nullptr);
  CHECK(dbias[0] == doctest::Approx(2.0));
  CHECK(dweight[0] == doctest::Approx(r));
  CHECK(dx[0] == doctest::Approx(2 * r * (-1.0 / 6)));
  CHECK(dx[1] == doctest::Approx(2 * r * (1.0 / 3)));
  CHECK(dx[2] == doctest::Approx(2 * r * (-1.0 / 6)));
}

TEST_CASE("a channel's bits start on a word of their own") {
  const BatchNormShape s{2, 3, 33};  // M = 66: two words per channel
  const ReluMaskLayout layout(s);
  CHECK(layout.words_per_channel == 2);
  CHECK(layout.words(s) == 6);
  CHECK(layout.bit_index(s, 0, 1, 0) == 128);       // channel 1 starts at word 2
  CHECK(layout.bit_index(s, 1, 1, 0) == 128 + 33);  // its second image, inside the word
  CHECK(layout.bit_index(s, 1, 2, 32) == 256 + 65);
}

TEST_CASE("fast batch norm + ReLU matches the naive, odd shapes, 1 and 2 threads") {
  const BatchNormShape shapes[] = {{2, 3, 1},  {3, 2, 5},   {2, 3, 70},
                                   {4, 5, 64}, {3, 4, 130}, {5, 3, 16}};
  uint64_t seed = 1;
  for (int threads : {1, 2}) {
    ThreadCount scope(threads);
    for (const BatchNormShape& s : shapes)
      for (bool training : {true, false})
        for (bool affine : {true, false})
          for (bool with_residual : {false, true}) {
            CAPTURE(threads);
            CAPTURE(s.N);
            CAPTURE(s.C);
            CAPTURE(s.S);
            CAPTURE(training);
            CAPTURE(affine);
            CAPTURE(with_residual);
            check_fast_matches_naive({s, training, affine, with_residual}, seed++);
          }
  }
}

}  // TEST_SUITE("kernels.norm_relu")
