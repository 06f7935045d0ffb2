// Grader of assignment A4, batch-norm backward (tutorials/exercises/batchnorm_backward.cpp).
//
// Source of truth: central differences of a double-precision batch norm
// written here (which also computes the x_hat and inv_std handed to the
// student). Not attograd's own batch_norm backward: a hand-out cuts its closed
// form out (tutorials/exercises/README.md).
#include <cmath>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/batchnorm_backward.h"
#include "tutorials/exercises/graders/grader.h"

namespace {

using ex::BatchNormShape;
using grade::Output;

constexpr double kEps = 1e-5;  // ag::batch_norm's default, as PyTorch's

BatchNormShape shape_of(const ag::Shape& x_shape) {
  BatchNormShape s{x_shape[0], x_shape[1], 1};
  for (size_t d = 2; d < x_shape.size(); ++d) s.S *= x_shape[d];
  return s;
}

struct Case {
  ag::Shape x_shape;
  std::vector<float> x, gamma, beta, dout;
};

// Channel c gets values around mean 0.5*c - 1 with spread 1 + c/2 (times
// spread), so every channel has its own statistics.
Case make_case(const ag::Shape& x_shape, uint64_t seed, float spread = 1.0f) {
  BatchNormShape s = shape_of(x_shape);
  Case k{x_shape, grade::random_floats(s.N * s.C * s.S, seed), grade::random_floats(s.C, seed + 1),
         grade::random_floats(s.C, seed + 2), grade::random_floats(s.N * s.C * s.S, seed + 3)};
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t c = 0; c < s.C; ++c)
      for (int64_t p = 0; p < s.S; ++p) {
        float& v = k.x[(n * s.C + c) * s.S + p];
        v = 0.5f * c - 1.0f + v * spread * (1.0f + 0.5f * c);
      }
  for (float& g : k.gamma) g += 1.0f;  // around 1, as after initialization
  return k;
}

// x_hat and inv_std as the forward saves them, computed in double.
struct Saved {
  std::vector<float> x_hat, inv_std;
};

Saved normalize(const BatchNormShape& s, const std::vector<double>& x,
                std::vector<double>* x_hat_out = nullptr) {
  Saved saved{std::vector<float>(x.size()), std::vector<float>(static_cast<size_t>(s.C))};
  std::vector<double> x_hat(x.size());
  const double M = static_cast<double>(s.N * s.S);
  for (int64_t c = 0; c < s.C; ++c) {
    double mean = 0, var = 0;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) mean += x[(n * s.C + c) * s.S + p] / M;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) var += std::pow(x[(n * s.C + c) * s.S + p] - mean, 2) / M;
    const double inv_std = 1.0 / std::sqrt(var + kEps);
    saved.inv_std[c] = static_cast<float>(inv_std);
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) {
        const int64_t at = (n * s.C + c) * s.S + p;
        x_hat[at] = (x[at] - mean) * inv_std;
        saved.x_hat[at] = static_cast<float>(x_hat[at]);
      }
  }
  if (x_hat_out) *x_hat_out = x_hat;
  return saved;
}

struct Gradients {
  Output dx, dgamma, dbeta;
};

Gradients student_backward(const Case& k) {
  BatchNormShape s = shape_of(k.x_shape);
  Saved saved = normalize(s, grade::to_doubles(k.x));
  Gradients g{Output("dx", k.x_shape), Output("dgamma", {s.C}), Output("dbeta", {s.C})};
  ex::batch_norm_backward(s, saved.x_hat.data(), saved.inv_std.data(), k.gamma.data(),
                          k.dout.data(), g.dx.data(), g.dgamma.data(), g.dbeta.data());
  return g;
}

// L = sum((gamma * x_hat + beta) * dout) in double: the checks differentiate
// it by central differences.
double bn_loss(const Case& k, const std::vector<double>& x, const std::vector<double>& gamma,
               const std::vector<double>& beta) {
  BatchNormShape s = shape_of(k.x_shape);
  std::vector<double> x_hat;
  normalize(s, x, &x_hat);
  double loss = 0;
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t c = 0; c < s.C; ++c)
      for (int64_t p = 0; p < s.S; ++p) {
        const int64_t at = (n * s.C + c) * s.S + p;
        loss += (gamma[c] * x_hat[at] + beta[c]) * k.dout[at];
      }
  return loss;
}

// Per channel, a correct dx satisfies sum_i dx_i = 0 and sum_i dx_i * x_hat_i = 0
// (shifting or scaling a channel's input leaves x_hat unchanged). Which of the
// two fails says which path of Step 3 is missing.
grade::Diagnosis diagnose(const Case& k, const Output& dx) {
  BatchNormShape s = shape_of(k.x_shape);
  Saved saved = normalize(s, grade::to_doubles(k.x));
  grade::Diagnosis d;
  std::string sums, sums_xhat;
  for (int64_t c = 0; c < s.C; ++c) {
    double sum = 0, sum_xhat = 0, scale = 0;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) {
        const int64_t at = (n * s.C + c) * s.S + p;
        sum += dx.data()[at];
        sum_xhat += static_cast<double>(dx.data()[at]) * saved.x_hat[at];
        scale += std::fabs(dx.data()[at]);
      }
    const double tolerance = 1e-4 + 1e-4 * scale;
    if (!(std::fabs(sum) <= tolerance) && sums.empty())
      sums =
          "sum of dx over channel " + std::to_string(c) + " is 0; yours is " + std::to_string(sum);
    if (!(std::fabs(sum_xhat) <= tolerance) && sums_xhat.empty())
      sums_xhat = "sum of dx * x_hat over channel " + std::to_string(c) + " is 0; yours is " +
                  std::to_string(sum_xhat);
  }
  d.invariant(sums.empty(), sums);
  d.invariant(sums_xhat.empty(), sums_xhat);
  if (!sums.empty() && sums_xhat.empty())
    d.hint(
        "dx is off by a constant in each channel: the path through the mean (d mean / d x_i, "
        "Step 3) is missing or wrong");
  if (sums.empty() && !sums_xhat.empty())
    d.hint(
        "the path through the variance (d var / d x_i and d inv_std / d var, Step 3) is missing or "
        "wrong");
  return d;
}

// which: any of "x", "g" (dgamma), "b" (dbeta). The reference is central
// differences of bn_loss (eps: the step, small when the values are).
void against_finite_differences(const Case& k, const std::string& which, double dx_atol = 1e-4,
                                double eps = 1e-5) {
  std::vector<double> x = grade::to_doubles(k.x), gamma = grade::to_doubles(k.gamma),
                      beta = grade::to_doubles(k.beta);
  Gradients g = student_backward(k);
  if (which.find('x') != std::string::npos) {
    auto dx = grade::numeric_gradient(
        [&](const std::vector<double>& v) { return bn_loss(k, v, gamma, beta); }, x, eps);
    g.dx.expect_close(grade::to_floats(dx), dx_atol, 1e-3, diagnose(k, g.dx));
  }
  if (which.find('g') != std::string::npos) {
    auto dgamma = grade::numeric_gradient(
        [&](const std::vector<double>& v) { return bn_loss(k, x, v, beta); }, gamma);
    g.dgamma.expect_close(grade::to_floats(dgamma), 1e-4, 1e-3);
  }
  if (which.find('b') != std::string::npos) {
    auto dbeta = grade::numeric_gradient(
        [&](const std::vector<double>& v) { return bn_loss(k, x, gamma, v); }, beta);
    g.dbeta.expect_close(grade::to_floats(dbeta), 1e-4, 1e-3);
  }
}

std::string in(const ag::Shape& shape) { return ", x " + ag::shape_str(shape); }

}  // namespace

int main(int argc, char** argv) {
  const ag::Shape flat{8, 3}, image{4, 5, 3, 3}, one_image{1, 2, 5, 5}, pairs{2, 3}, big{64, 4},
      tiny{3, 2, 2, 2};
  std::vector<grade::Check> checks = {
      {"dx" + in(flat) + " (N, C)", 10,
       [=] { against_finite_differences(make_case(flat, 1), "x"); }},
      {"dgamma and dbeta" + in(flat), 10,
       [=] { against_finite_differences(make_case(flat, 2), "gb"); }},
      {"dx" + in(image) + " (N, C, H, W)", 10,
       [=] { against_finite_differences(make_case(image, 3), "x"); }},
      {"dgamma and dbeta" + in(image), 10,
       [=] { against_finite_differences(make_case(image, 4), "gb"); }},
      {"dx, dgamma, dbeta" + in(one_image) + " (batch 1: statistics over positions)", 10,
       [=] { against_finite_differences(make_case(one_image, 5), "xgb"); }},
      {"dx, dgamma, dbeta" + in(pairs) + " (two values per channel: x_hat = +-1, dx ~ 0)", 10,
       [=] { against_finite_differences(make_case(pairs, 6), "xgb"); }},
      {"dx, dgamma, dbeta" + in(big) + " (a batch of 64)", 10,
       [=] { against_finite_differences(make_case(big, 7), "xgb"); }},
      {"dx" + in(image) + ", values within ~1e-3 (eps matters, inv_std ~ 300)", 10,
       [=] { against_finite_differences(make_case(image, 8, 1e-3f), "x", 1e-2, 1e-8); }},
      {"dx, dgamma, dbeta" + in(tiny) + " (three 2x2 images)", 20,
       [=] { against_finite_differences(make_case(tiny, 9), "xgb"); }},
  };
  // argv[1], when given, names the graded file in the report (make grade SRC=...).
  const char* student_file = argc > 1 ? argv[1] : "tutorials/exercises/batchnorm_backward.cpp";
  return grade::run_checks("Assignment A4: batch-norm backward", student_file, checks);
}
