// tests/core/test_loss_options.cpp: the losses' PyTorch options (reduction, class
// weight, label_smoothing, ignore_index, probability targets, unbatched input)
// and the element-wise losses. Expected values come from plain double loops
// written here from the formulas, or by hand in the comments.
#include "tests/helpers/test_util.h"

#include <cmath>
#include <limits>
#include <vector>

using namespace ag;

namespace {

using Rows = std::vector<std::vector<double>>;

std::vector<double> log_softmax_row(const std::vector<double>& x) {
  double m = x[0];
  for (double v : x) m = std::max(m, v);
  double s = 0;
  for (double v : x) s += std::exp(v - m);
  std::vector<double> out;
  for (double v : x) out.push_back(v - m - std::log(s));
  return out;
}

// PyTorch's cross_entropy with class ids, weight, label smoothing, ignore_index, mean.
double reference_cross_entropy(const Rows& x, const std::vector<int>& t,
                               const std::vector<double>& w, double eps, int ignore) {
  double total = 0, weights = 0;
  const double C = static_cast<double>(w.size());
  for (size_t n = 0; n < x.size(); ++n) {
    if (t[n] == ignore) continue;
    const std::vector<double> lp = log_softmax_row(x[n]);
    double smooth = 0;
    for (size_t c = 0; c < w.size(); ++c) smooth -= w[c] * lp[c];
    total += (1 - eps) * w[t[n]] * -lp[t[n]] + eps / C * smooth;
    weights += w[t[n]];
  }
  return total / weights;
}

Tensor rows_tensor(const Rows& x, bool requires_grad = false) {
  std::vector<float> v;
  for (const auto& r : x) v.insert(v.end(), r.begin(), r.end());
  return from_vector(v, {static_cast<int64_t>(x.size()), static_cast<int64_t>(x[0].size())},
                     requires_grad);
}

const Rows kLogits = {{1, 2, 0.5}, {0, -1, 2}, {0.3, 0.2, 0.1}};

}  // namespace

TEST_SUITE("core.loss") {
TEST_CASE(
    "cross_entropy: weight, label_smoothing and ignore_index together, against a plain loop") {
  Tensor x = rows_tensor(kLogits, true);
  Tensor t = tensor({0, 2, 1});
  CrossEntropyOptions options{
      .ignore_index = 1, .label_smoothing = 0.2f, .weight = tensor({1, 2, 3})};
  Tensor loss = cross_entropy(x, t, options);
  CHECK(loss.item() ==
        doctest::Approx(reference_cross_entropy(kLogits, {0, 2, 1}, {1, 2, 3}, 0.2, 1))
            .epsilon(1e-5));
  // The weighted mean divides by w[0] + w[2] = 4, the weights of the counted targets.
  CHECK(loss.item() == doctest::Approx(0.6832029).epsilon(1e-5));
  CHECK_GRADCHECK([&](const std::vector<Tensor>& v) { return cross_entropy(v[0], t, options); },
                  {x});
}

TEST_CASE("cross_entropy: reduction none and sum, with smoothing") {
  Tensor x = rows_tensor(kLogits);
  Tensor t = tensor({0, 2, 1});
  Tensor each = cross_entropy(x, t, {.reduction = LossReduction::None, .label_smoothing = 0.1f});
  REQUIRE(each.shape() == Shape{3});
  for (int n = 0; n < 3; ++n) {
    const double expected =
        reference_cross_entropy({kLogits[n]}, {std::vector<int>{0, 2, 1}[n]}, {1, 1, 1}, 0.1, -100);
    CHECK(each.data()[n] == doctest::Approx(expected).epsilon(1e-5));
  }
  Tensor total = cross_entropy(x, t, {.reduction = LossReduction::Sum, .label_smoothing = 0.1f});
  CHECK(total.item() ==
        doctest::Approx(each.data()[0] + each.data()[1] + each.data()[2]).epsilon(1e-5));
  Tensor xg = rows_tensor(kLogits, true);
  CHECK_GRADCHECK(
      [&](const std::vector<Tensor>& v) {
        return cross_entropy(v[0], t, {.reduction = LossReduction::None, .ignore_index = 2}) *
               tensor({1, 2, 3});
      },
      {xg});
}

TEST_CASE("cross_entropy with class probabilities: value, and gradients for logits and targets") {
  const Rows P = {{0.2, 0.3, 0.5}, {1, 0, 0}, {0, 0.5, 0.5}};
  Tensor x = rows_tensor(kLogits, true), p = rows_tensor(P, true);
  const std::vector<double> w = {1, 2, 3};
  const double eps = 0.1;
  double expected = 0;  // -sum_c w_c ((1 - eps) p_c + eps / C) logp_c, mean over the 3 rows
  for (int n = 0; n < 3; ++n) {
    const auto lp = log_softmax_row(kLogits[n]);
    for (int c = 0; c < 3; ++c) expected -= w[c] * ((1 - eps) * P[n][c] + eps / 3) * lp[c];
  }
  expected /= 3;
  CrossEntropyOptions options{.label_smoothing = 0.1f, .weight = tensor({1, 2, 3})};
  CHECK(cross_entropy(x, p, options).item() == doctest::Approx(expected).epsilon(1e-5));
  CHECK_GRADCHECK([&](const std::vector<Tensor>& v) { return cross_entropy(v[0], v[1], options); },
                  {x, p});
}

TEST_CASE("cross_entropy with one-hot probabilities equals cross_entropy with the class ids") {
  Tensor x = rows_tensor(kLogits);
  Tensor onehot = rows_tensor({{1, 0, 0}, {0, 0, 1}, {0, 1, 0}});
  CHECK(cross_entropy(x, onehot).item() ==
        doctest::Approx(cross_entropy(x, tensor({0, 2, 1})).item()));
}

TEST_CASE("cross_entropy on unbatched (C) logits with a 0-d target, as PyTorch") {
  Tensor x = tensor({1, 2, 3}, true);
  Tensor loss = cross_entropy(x, scalar(2));
  // -log softmax([1, 2, 3])[2] = log(e + e² + e³) - 3
  CHECK(loss.item() ==
        doctest::Approx(std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3).epsilon(1e-6));
  CHECK(cross_entropy(x, scalar(2), {.reduction = LossReduction::None}).shape() == Shape{});
  CHECK(cross_entropy(x, tensor({0, 0, 1})).item() == doctest::Approx(loss.item()));
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return cross_entropy(v[0], scalar(1)); }, {x});
}

TEST_CASE("nll_loss with weight and reduction") {
  Tensor lp = tensor({{-1, -2, -0.5f}, {-0.25f, -3, -2}}, true);
  Tensor t = tensor({2, 0});
  // weighted mean: (3 * 0.5 + 1 * 0.25) / (3 + 1)
  CHECK(nll_loss(lp, t, {.weight = tensor({1, 2, 3})}).item() == doctest::Approx(1.75 / 4));
  CHECK(nll_loss(lp, t, {.reduction = LossReduction::Sum}).item() == doctest::Approx(0.75));
  ag_test::check_close(nll_loss(lp, t, {.reduction = LossReduction::None, .ignore_index = 0}),
                       {0.5f, 0.0f});
  CHECK(nll_loss(tensor({-1, -2}), scalar(1)).item() == doctest::Approx(2.0));
  CHECK_GRADCHECK(
      [&](const std::vector<Tensor>& v) {
        return nll_loss(v[0], t, {.weight = tensor({1, 2, 3})});
      },
      {lp});
}

TEST_CASE("class-loss option errors name the op and the rule") {
  CHECK_THROWS_WITH_AS(
      cross_entropy(zeros({2, 3}), tensor({0, 1}), {.weight = ones({2})}),
      "cross_entropy: weight of shape [2] must be a 1-D tensor of 3 class weights (one per class)",
      Error);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({2, 3}), tensor({0, 1}), {.label_smoothing = 1.5f}),
                       "cross_entropy: label_smoothing must be between 0.0 and 1.0, got 1.5",
                       Error);
  CHECK_THROWS_WITH_AS(
      cross_entropy(zeros({3}), tensor({0, 1})),
      "cross_entropy: for logits of shape [3] (one sample) the target must be a 0-d class id or "
      "probabilities of shape [3], got [2]",
      Error);
  CHECK_THROWS_WITH_AS(
      cross_entropy(zeros({2, 3}), tensor({0, 1}), {.reduction = LossReduction::BatchMean}),
      "cross_entropy: reduction 'batchmean' is only for kl_div (use none, mean or sum)", Error);
  CHECK_THROWS_WITH_AS(
      loss_reduction("mse_loss", "avg"),
      "mse_loss: 'avg' is not a valid value for reduction (none, mean, sum or batchmean)", Error);
  CHECK(loss_reduction("kl_div", "batchmean") == LossReduction::BatchMean);
}

TEST_CASE("element-wise losses by hand, each reduction") {
  Tensor x = tensor({0.5f, 2.0f, -1.0f}), t = tensor({0.0f, 0.0f, 1.0f});
  // differences 0.5, 2, -2
  ag_test::check_close(mse_loss(x, t, LossReduction::None), {0.25f, 4.0f, 4.0f});
  CHECK(mse_loss(x, t, LossReduction::Sum).item() == doctest::Approx(8.25));
  CHECK(l1_loss(x, t).item() == doctest::Approx(4.5 / 3));
  // smooth_l1 with beta 1: 0.5 * 0.25, then 2 - 0.5 twice
  ag_test::check_close(smooth_l1_loss(x, t, LossReduction::None), {0.125f, 1.5f, 1.5f});
  // beta 4: every |d| < 4, so 0.5 d² / 4
  ag_test::check_close(smooth_l1_loss(x, t, LossReduction::None, 4.0f), {0.03125f, 0.5f, 0.5f});
  CHECK(smooth_l1_loss(x, t, LossReduction::Sum, 0.0f).item() ==
        doctest::Approx(4.5));  // beta 0 is l1
}

TEST_CASE("element-wise losses pass gradcheck for input and target") {
  Tensor x = tensor({0.3f, -1.2f, 2.0f, 0.7f}, true), t = tensor({0.1f, 0.4f, -0.5f, 0.9f}, true);
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& v) { return mse_loss(v[0], v[1], LossReduction::Sum); },
      {x, t});
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return l1_loss(v[0], v[1]); }, {x, t});
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& v) {
        return smooth_l1_loss(v[0], v[1], LossReduction::Mean, 0.5f);
      },
      {x, t});
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& v) {
        return binary_cross_entropy_with_logits(v[0], v[1], LossReduction::None,
                                                tensor({1, 2, 3, 0.5f})) *
               tensor({1, -1, 2, 3});
      },
      {x, t});
  Tensor p = tensor({0.2f, 0.9f, 0.5f, 0.6f}, true), y = tensor({0.0f, 1.0f, 0.3f, 0.8f}, true);
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return binary_cross_entropy(v[0], v[1]); },
                  {p, y});
  Tensor logq = tensor({-1.0f, -0.5f, -2.0f, -0.1f}, true);
  // kl_div's target gradient away from t = 0, where a finite difference would step to t < 0
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& v) { return kl_div(v[0], v[1], LossReduction::Sum); },
      {logq, p});
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& v) { return kl_div(v[0], v[1], LossReduction::Mean, true); },
      {logq, x});
}

TEST_CASE("binary_cross_entropy clamps its logs at -100, as PyTorch") {
  Tensor p = tensor({0.0f, 1.0f, 0.3f, 0.9f}), y = tensor({0.5f, 0.5f, 0.0f, 1.0f});
  Tensor each = binary_cross_entropy(p, y, LossReduction::None);
  // -(0.5 * -100 + 0.5 * 0) = 50 at both ends; -log(0.7); -log(0.9)
  ag_test::check_close(
      each, {50.0f, 50.0f, static_cast<float>(-std::log(0.7)), static_cast<float>(-std::log(0.9))});
  CHECK_THROWS_WITH_AS(
      binary_cross_entropy(tensor({0.5f, 1.5f}), tensor({0.0f, 1.0f})),
      "binary_cross_entropy: all elements of input should be between 0 and 1; element [1] of "
      "input [2] is 1.5",
      Error);
}

TEST_CASE("binary_cross_entropy_with_logits is stable and equals bce of the sigmoid") {
  Tensor x = tensor({0.0f, 2.0f, -3.0f, 100.0f, -100.0f}),
         y = tensor({1.0f, 0.0f, 0.25f, 0.0f, 1.0f});
  Tensor each = binary_cross_entropy_with_logits(x, y, LossReduction::None);
  std::vector<float> expected;
  for (int i = 0; i < 5; ++i) {  // (1 - y) x + log(1 + e^-x), written the long way in double
    const double xi = x.data()[i], yi = y.data()[i];
    expected.push_back(static_cast<float>((1 - yi) * xi + std::log1p(std::exp(-std::fabs(xi))) +
                                          std::max(-xi, 0.0)));
  }
  ag_test::check_close(each, expected);
  CHECK(each.data()[3] == doctest::Approx(100.0));  // no overflow to inf
  // pos_weight 3 on the positive term: y log sigmoid(x) counts 3 times
  Tensor weighted = binary_cross_entropy_with_logits(tensor({0.0f}), tensor({1.0f}),
                                                     LossReduction::Sum, tensor({3.0f}));
  CHECK(weighted.item() == doctest::Approx(3 * std::log(2.0)));
  // d/dx at x = 0, y = 1: sigmoid(0) - 1 = -0.5 exactly (a kink-free formula)
  Tensor x0 = tensor({0.0f}, true);
  binary_cross_entropy_with_logits(x0, tensor({1.0f})).backward();
  CHECK(x0.grad().item() == doctest::Approx(-0.5));
  CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}),
                                                        LossReduction::Mean, ones({2})),
                       doctest::Contains("binary_cross_entropy_with_logits"), Error);
}

TEST_CASE("kl_div: each reduction, batchmean, log_target, t = 0") {
  Tensor logq = tensor({{std::log(0.5f), std::log(0.5f)}, {std::log(0.25f), std::log(0.75f)}});
  Tensor p = tensor({{1.0f, 0.0f}, {0.5f, 0.5f}});
  // row 0: 1 * (0 - log 0.5) = log 2; row 1: 0.5 (log 0.5 - log 0.25) + 0.5 (log 0.5 - log 0.75)
  const double row0 = std::log(2.0), row1 = 0.5 * std::log(2.0) + 0.5 * std::log(2.0 / 3.0);
  ag_test::check_close(kl_div(logq, p, LossReduction::None),
                       {static_cast<float>(row0), 0.0f, static_cast<float>(0.5 * std::log(2.0)),
                        static_cast<float>(0.5 * std::log(2.0 / 3.0))});
  CHECK(kl_div(logq, p, LossReduction::BatchMean).item() == doctest::Approx((row0 + row1) / 2));
  CHECK(kl_div(logq, p).item() == doctest::Approx((row0 + row1) / 4));
  Tensor logp = tensor({{0.0f, std::log(1e-30f)}, {std::log(0.5f), std::log(0.5f)}});
  CHECK(kl_div(logq, logp, LossReduction::Sum, true).item() ==
        doctest::Approx(row0 + row1).epsilon(1e-5));
  CHECK_THROWS_WITH_AS(l1_loss(zeros({2}), zeros({2}), LossReduction::BatchMean),
                       "l1_loss: reduction 'batchmean' is only for kl_div (use none, mean or sum)",
                       Error);
}

TEST_CASE("element-wise loss errors name the op and both shapes") {
  CHECK_THROWS_WITH_AS(l1_loss(zeros({3, 1}), zeros({3})),
                       "l1_loss: input [3, 1] and target [3] must have the same shape", Error);
  CHECK_THROWS_WITH_AS(kl_div(zeros({2}), zeros({2, 1})),
                       "kl_div: input [2] and target [2, 1] must have the same shape", Error);
  CHECK_THROWS_WITH_AS(smooth_l1_loss(zeros({2}), zeros({2}), LossReduction::Mean, -1.0f),
                       "smooth_l1_loss: beta must be non-negative, got -1", Error);
}
}  // TEST_SUITE("core.loss")
