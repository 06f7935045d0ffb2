// The raw normalization kernels: naive batch norm against values worked by
// hand and against finite differences, then the fast kernels against the naive.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/kernels/norm.h"
#include "core/kernels/parallel.h"
#include "core/reference/norm_naive.h"
#include "tests/helpers/kernel_test_util.h"

using namespace ag;
using ag_test::max_error;
using ag_test::random_values;

namespace {

struct ThreadCount {
  int saved = get_num_threads();
  explicit ThreadCount(int n) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(saved); }
};

std::vector<float> invstd_of(const std::vector<float>& var, float eps) {
  std::vector<float> invstd;
  for (float v : var) invstd.push_back(inverse_std(v, eps));
  return invstd;
}

// Checks dx of a forward f(x) -> out against central differences of
// L = sum(out * r), in double around float inputs (so a loose tolerance).
void check_against_finite_differences(const std::function<void(const float*, float*)>& forward,
                                      std::vector<float> x, int64_t out_size,
                                      const std::vector<float>& dout,
                                      const std::vector<float>& dx) {
  const float step = 1e-2f;
  std::vector<float> out(out_size);
  auto loss = [&](const std::vector<float>& input) {
    forward(input.data(), out.data());
    double total = 0.0;
    for (int64_t e = 0; e < out_size; ++e) total += double(out[e]) * dout[e];
    return total;
  };
  for (size_t e = 0; e < x.size(); ++e) {
    const float saved = x[e];
    x[e] = saved + step;
    const double up = loss(x);
    x[e] = saved - step;
    const double down = loss(x);
    x[e] = saved;
    INFO("element " << e);
    CHECK(dx[e] == doctest::Approx((up - down) / (2.0 * step)).epsilon(2e-2).scale(1.0));
  }
}

}  // namespace

TEST_SUITE("kernels.norm") {

TEST_CASE("naive batch norm on three values, worked by hand") {
  // One channel holding 0, 1, 2: mean 1, biased var 2/3, invstd sqrt(3/2) (eps 0).
  const BatchNormShape s{3, 1, 1};
  const std::vector<float> x = {0, 1, 2}, weight = {2}, bias = {0.5f};
  std::vector<float> out(3), mean(1), var(1);
  batch_norm_forward_train_naive(s, x.data(), weight.data(), bias.data(), 0.0f, out.data(),
                                 mean.data(), var.data());
  const float r = std::sqrt(1.5f);
  CHECK(mean[0] == doctest::Approx(1.0));
  CHECK(var[0] == doctest::Approx(2.0 / 3.0));
  CHECK(out[0] == doctest::Approx(0.5 - 2 * r));
  CHECK(out[1] == doctest::Approx(0.5));
  CHECK(out[2] == doctest::Approx(0.5 + 2 * r));

  // dout = (1, 0, 0), weight 1, so dx_j = ∂out_0/∂x_j with out_0 = (x_0 - mean) * invstd,
  // ∂mean/∂x_j = 1/3 and ∂invstd/∂x_j = -invstd^3 (x_j - mean) / 3 (var moves by 2 (x_j - mean) /
  // 3): dx_j = r ([j == 0] - 1/3) - (x_0 - mean) r^3 (x_j - mean) / 3, with x_0 - mean = -1, r^2 =
  // 3/2: dx = r * (2/3 - 1/2, -1/3, -1/3 + 1/2) = r * (1/6, -1/3, 1/6).
  const std::vector<float> dout = {1, 0, 0}, invstd = {r};
  std::vector<float> dx(3), dweight(1), dbias(1);
  batch_norm_backward_naive(s, x.data(), dout.data(), mean.data(), invstd.data(), nullptr, true,
                            dx.data(), dweight.data(), dbias.data());
  CHECK(dx[0] == doctest::Approx(r / 6));
  CHECK(dx[1] == doctest::Approx(-r / 3));
  CHECK(dx[2] == doctest::Approx(r / 6));
  CHECK(dweight[0] == doctest::Approx(-r));  // sum(dout * xhat)
  CHECK(dbias[0] == doctest::Approx(1.0));

  // Eval: fixed statistics, so dx = invstd * weight * dout only.
  batch_norm_backward_naive(s, x.data(), dout.data(), mean.data(), invstd.data(), weight.data(),
                            false, dx.data(), nullptr, nullptr);
  CHECK(dx[0] == doctest::Approx(2 * r));
  CHECK(dx[1] == 0.0f);
}

TEST_CASE("naive backward agrees with finite differences") {
  const BatchNormShape s{3, 2, 4};
  const int64_t size = 24;
  const auto x = random_values(size, 11), dout = random_values(size, 12);
  const auto weight = random_values(2, 13), bias = random_values(2, 14);
  std::vector<float> mean(2), var(2), out(size), dx(size);
  batch_norm_forward_train_naive(s, x.data(), weight.data(), bias.data(), 1e-5f, out.data(),
                                 mean.data(), var.data());
  batch_norm_backward_naive(s, x.data(), dout.data(), mean.data(), invstd_of(var, 1e-5f).data(),
                            weight.data(), true, dx.data(), nullptr, nullptr);
  check_against_finite_differences(
      [&](const float* input, float* output) {
        std::vector<float> m(2), v(2);
        batch_norm_forward_train_naive(s, input, weight.data(), bias.data(), 1e-5f, output,
                                       m.data(), v.data());
      },
      x, size, dout, dx);

  const int64_t R = 3, D = 5;
  const auto lx = random_values(R * D, 15), ldout = random_values(R * D, 16);
  const auto lweight = random_values(D, 17);
  std::vector<float> lmean(R), linvstd(R), lout(R * D), ldx(R * D);
  layer_norm_forward_naive(R, D, lx.data(), lweight.data(), nullptr, 1e-5f, lout.data(),
                           lmean.data(), linvstd.data());
  layer_norm_backward_naive(R, D, lx.data(), ldout.data(), lmean.data(), linvstd.data(),
                            lweight.data(), ldx.data(), nullptr, nullptr);
  check_against_finite_differences(
      [&](const float* input, float* output) {
        std::vector<float> m(R), is(R);
        layer_norm_forward_naive(R, D, input, lweight.data(), nullptr, 1e-5f, output, m.data(),
                                 is.data());
      },
      lx, R * D, ldout, ldx);
}

TEST_CASE("fast batch norm equals naive batch norm") {
  const std::vector<BatchNormShape> shapes = {{5, 3, 1}, {4, 3, 35}, {1, 2, 9},
                                              {2, 1, 1}, {7, 6, 13}, {16, 4, 256}};
  for (int threads : {1, 2})
    for (const BatchNormShape& s : shapes)
      for (bool affine : {true, false}) {
        ThreadCount scope(threads);
        INFO("N" << s.N << " C" << s.C << " S" << s.S << " affine " << affine << " threads "
                 << threads);
        const int64_t size = s.N * s.C * s.S;
        auto x = random_values(size, 21);
        for (int64_t e = 0; e < size; ++e) x[e] += float(e % s.C);  // channel means differ
        const auto dout = random_values(size, 22);
        const auto weight_values = random_values(s.C, 23), bias_values = random_values(s.C, 24);
        const float* weight = affine ? weight_values.data() : nullptr;
        const float* bias = affine ? bias_values.data() : nullptr;
        const float eps = 1e-5f;

        std::vector<float> out_f(size), out_n(size), mean_f(s.C), mean_n(s.C), var_f(s.C),
            var_n(s.C);
        batch_norm_forward_train(s, x.data(), weight, bias, eps, out_f.data(), mean_f.data(),
                                 var_f.data());
        batch_norm_forward_train_naive(s, x.data(), weight, bias, eps, out_n.data(), mean_n.data(),
                                       var_n.data());
        CHECK(max_error(out_f, out_n) < 1e-4);
        CHECK(max_error(mean_f, mean_n) < 1e-6);
        CHECK(max_error(var_f, var_n) < 1e-6);

        for (bool training : {true, false}) {
          INFO("training " << training);
          // Train mode backpropagates through the batch statistics; eval uses
          // "running" ones (here the same numbers, so the two modes differ only
          // in the mean terms).
          const auto invstd = invstd_of(var_n, eps);
          if (!training) {
            batch_norm_forward_eval(s, x.data(), mean_n.data(), invstd.data(), weight, bias,
                                    out_f.data());
            batch_norm_forward_eval_naive(s, x.data(), mean_n.data(), invstd.data(), weight, bias,
                                          out_n.data());
            CHECK(max_error(out_f, out_n) < 1e-5);
          }
          std::vector<float> dx_f(size, 9), dx_n(size, 9), dw_f(s.C, 9), dw_n(s.C, 9), db_f(s.C, 9),
              db_n(s.C, 9);
          batch_norm_backward(s, x.data(), dout.data(), mean_n.data(), invstd.data(), weight,
                              training, dx_f.data(), dw_f.data(), db_f.data());
          batch_norm_backward_naive(s, x.data(), dout.data(), mean_n.data(), invstd.data(), weight,
                                    training, dx_n.data(), dw_n.data(), db_n.data());
          CHECK(max_error(dx_f, dx_n) < 1e-4);
          CHECK(max_error(dw_f, dw_n) < 1e-4);
          CHECK(max_error(db_f, db_n) < 1e-4);
        }
      }
}

TEST_CASE("fast batch norm statistics survive a large mean") {
  // mean 1000, std ~0.6: a one-pass E[x^2] - E[x]^2 in float would lose every digit;
  // the fast kernel's shifted sums must match the naive two-pass variance.
  const BatchNormShape s{64, 1, 64};
  auto x = random_values(s.N * s.S, 31);
  for (float& v : x) v += 1000.0f;
  std::vector<float> out_f(x.size()), out_n(x.size()), mean_f(1), mean_n(1), var_f(1), var_n(1);
  batch_norm_forward_train(s, x.data(), nullptr, nullptr, 1e-5f, out_f.data(), mean_f.data(),
                           var_f.data());
  batch_norm_forward_train_naive(s, x.data(), nullptr, nullptr, 1e-5f, out_n.data(), mean_n.data(),
                                 var_n.data());
  CHECK(var_f[0] == doctest::Approx(var_n[0]).epsilon(1e-5));
  CHECK(max_error(out_f, out_n) < 1e-3);
}

TEST_CASE(
    "fast batch norm statistics: a first value far from the mean, huge values, and the backward "
    "sums") {
  // The fast kernel shifts its sums by the channel's first value. A first
  // value far from the rest, or values near 1e19 whose squares overflow a
  // float, must not cost precision (both broke a float-lane version).
  const BatchNormShape s{16, 1, 256};
  auto noise = random_values(s.N * s.S, 32);
  std::vector<float> far = noise, huge(noise.size());
  far[0] = 1000.0f;  // the rest is N(0, 1)-like
  for (size_t i = 0; i < huge.size(); ++i)
    huge[i] = (i % 2 ? 4e18f : -4e18f) * (1.0f + 0.1f * noise[i]);
  for (const auto* x : {&far, &huge}) {
    std::vector<float> out_f(x->size()), out_n(x->size()), mean_f(1), mean_n(1), var_f(1), var_n(1);
    batch_norm_forward_train(s, x->data(), nullptr, nullptr, 1e-5f, out_f.data(), mean_f.data(),
                             var_f.data());
    batch_norm_forward_train_naive(s, x->data(), nullptr, nullptr, 1e-5f, out_n.data(),
                                   mean_n.data(), var_n.data());
    CHECK(std::isfinite(var_f[0]));
    CHECK(var_f[0] == doctest::Approx(var_n[0]).epsilon(1e-6));
    CHECK(max_error(out_f, out_n) < 1e-4);
  }
  // Backward: dout with a large common part, x with a nonzero mean. dweight
  // is sum(dout * xhat), where the large part must cancel: checked against
  // the same sums in double (the naive twin forms xhat in float first, which
  // costs it ~1e-3 here, so it is not the reference for this case).
  std::vector<float> x(noise.size()), dout(noise.size());
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 5.0f + noise[i], dout[i] = 1000.0f + 0.01f * noise[(i * 7) % noise.size()];
  std::vector<float> out(x.size()), mean(1), var(1), invstd(1);
  batch_norm_forward_train_naive(s, x.data(), nullptr, nullptr, 1e-5f, out.data(), mean.data(),
                                 var.data());
  invstd[0] = 1.0f / std::sqrt(var[0] + 1e-5f);
  std::vector<float> dx(x.size()), dw(1), db(1);
  batch_norm_backward(s, x.data(), dout.data(), mean.data(), invstd.data(), nullptr, true,
                      dx.data(), dw.data(), db.data());
  double sum_dout = 0.0, sum_dout_xhat = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    sum_dout += dout[i];
    sum_dout_xhat += double(dout[i]) * (double(x[i]) - mean[0]) * invstd[0];
  }
  CHECK(dw[0] == doctest::Approx(sum_dout_xhat).epsilon(1e-6));
  CHECK(db[0] == doctest::Approx(sum_dout).epsilon(1e-7));
}

TEST_CASE("fast layer norm equals naive layer norm") {
  for (int threads : {1, 2})
    for (const auto& rows_by_features :
         std::vector<std::pair<int64_t, int64_t>>{{6, 10}, {3, 1}, {1, 33}, {130, 64}, {5, 700}})
      for (bool affine : {true, false}) {
        ThreadCount scope(threads);
        const int64_t R = rows_by_features.first, D = rows_by_features.second;
        INFO("R" << R << " D" << D << " affine " << affine << " threads " << threads);
        const auto x = random_values(R * D, 41), dout = random_values(R * D, 42);
        const auto weight_values = random_values(D, 43), bias_values = random_values(D, 44);
        const float* weight = affine ? weight_values.data() : nullptr;
        const float* bias = affine ? bias_values.data() : nullptr;
        std::vector<float> out_f(R * D), out_n(R * D), mean_f(R), mean_n(R), is_f(R), is_n(R);
        layer_norm_forward(R, D, x.data(), weight, bias, 1e-5f, out_f.data(), mean_f.data(),
                           is_f.data());
        layer_norm_forward_naive(R, D, x.data(), weight, bias, 1e-5f, out_n.data(), mean_n.data(),
                                 is_n.data());
        CHECK(max_error(out_f, out_n) < 1e-5);
        CHECK(max_error(mean_f, mean_n) < 1e-6);
        CHECK(max_error(is_f, is_n) < 1e-5);

        std::vector<float> dx_f(R * D, 9), dx_n(R * D, 9), dw_f(D, 9), dw_n(D, 9), db_f(D, 9),
            db_n(D, 9);
        layer_norm_backward(R, D, x.data(), dout.data(), mean_n.data(), is_n.data(), weight,
                            dx_f.data(), dw_f.data(), db_f.data());
        layer_norm_backward_naive(R, D, x.data(), dout.data(), mean_n.data(), is_n.data(), weight,
                                  dx_n.data(), dw_n.data(), db_n.data());
        CHECK(max_error(dx_f, dx_n) < 1e-4);
        CHECK(max_error(dw_f, dw_n) < 1e-4);
        CHECK(max_error(db_f, db_n) < 1e-4);
      }
}

}  // TEST_SUITE("kernels.norm")
