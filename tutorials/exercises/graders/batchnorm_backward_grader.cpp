// Grader of assignment A4, batch-norm backward (tutorials/exercises/batchnorm_backward.cpp).
//
// Source of truth: central differences of a double-precision batch norm
// written here (which also computes the x_hat and inv_std handed to the
// student). Not attograd's own batch_norm backward: a hand-out cuts its closed
// form out (tutorials/exercises/README.md). The student's code runs in the
// runner (batchnorm_backward_runner.cpp: entry "backward").
#include <cmath>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/batchnorm_backward.h"
#include "tutorials/exercises/graders/judge.h"

namespace {

using ex::BatchNormShape;
using judge::Got;

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

// The runner's entry "backward" gets the shape (N, C, S), the saved x_hat and
// inv_std, gamma and dout, and sends back dx, dgamma and dbeta.
wire::Record backward_inputs(const Case& k) {
  BatchNormShape s = shape_of(k.x_shape);
  Saved saved = normalize(s, grade::to_doubles(k.x));
  wire::Record in = judge::call("backward");
  in.put_int("N", s.N);
  in.put_int("C", s.C);
  in.put_int("S", s.S);
  in.put_floats("x_hat", k.x_shape, saved.x_hat);
  in.put_floats("inv_std", {s.C}, saved.inv_std);
  in.put_floats("gamma", {s.C}, k.gamma);
  in.put_floats("dout", k.x_shape, k.dout);
  return in;
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

// The dx of the closed form with M - 1 where M belongs: in the variance path
// only (d var / d x_i of the unbiased variance), or everywhere (the whole
// 1/M). True when the student's dx is one of them.
bool divides_by_m_minus_1(const Case& k, const Saved& saved, const Got& dx) {
  BatchNormShape s = shape_of(k.x_shape);
  const double M = static_cast<double>(s.N * s.S);
  if (M < 2) return false;
  bool variance_only = true, everywhere = true;
  for (int64_t c = 0; c < s.C; ++c) {
    double sum_dout = 0, sum_dout_xhat = 0;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) {
        const int64_t at = (n * s.C + c) * s.S + p;
        sum_dout += k.dout[at];
        sum_dout_xhat += static_cast<double>(k.dout[at]) * saved.x_hat[at];
      }
    const double g = k.gamma[c] * saved.inv_std[c];
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) {
        const int64_t at = (n * s.C + c) * s.S + p;
        const double centred = k.dout[at] - sum_dout / M, x_hat = saved.x_hat[at];
        const double a = g * (centred - x_hat * sum_dout_xhat / (M - 1));
        const double b = g / (M - 1) * (M * k.dout[at] - sum_dout - x_hat * sum_dout_xhat);
        const double got = dx.data()[at];
        variance_only = variance_only && std::fabs(got - a) <= 1e-4 + 1e-3 * std::fabs(a);
        everywhere = everywhere && std::fabs(got - b) <= 1e-4 + 1e-3 * std::fabs(b);
      }
  }
  return variance_only || everywhere;
}

// Per channel, a correct dx satisfies sum_i dx_i = 0 and sum_i dx_i * x_hat_i = 0
// (shifting or scaling a channel's input leaves x_hat unchanged). Which of the
// two fails says which path of Step 3 is missing.
grade::Diagnosis diagnose(const Case& k, const Got& dx) {
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
  if (divides_by_m_minus_1(k, saved, dx))
    d.hint(
        "your dx is what dividing by M - 1 gives (M = N*S values per channel: the unbiased "
        "variance). Batch norm normalizes with the biased variance, the mean of (x - mean)^2 over "
        "the M values: its d var / d x_i divides by M");
  else if (sums.empty() && !sums_xhat.empty())
    d.hint(
        "the path through the variance (d var / d x_i and d inv_std / d var, Step 3) is missing or "
        "wrong");
  return d;
}

// which: any of "x", "g" (dgamma), "b" (dbeta). The reference is central
// differences of bn_loss (eps: the step, small when the values are).
judge::Check check(const std::string& name, int points, const Case& k, const std::string& which,
                   double dx_atol = 1e-4, double eps = 1e-5) {
  std::vector<double> x = grade::to_doubles(k.x), gamma = grade::to_doubles(k.gamma),
                      beta = grade::to_doubles(k.beta);
  std::vector<float> dx, dgamma, dbeta;
  if (which.find('x') != std::string::npos)
    dx = grade::to_floats(grade::numeric_gradient(
        [&](const std::vector<double>& v) { return bn_loss(k, v, gamma, beta); }, x, eps));
  if (which.find('g') != std::string::npos)
    dgamma = grade::to_floats(grade::numeric_gradient(
        [&](const std::vector<double>& v) { return bn_loss(k, x, v, beta); }, gamma));
  if (which.find('b') != std::string::npos)
    dbeta = grade::to_floats(grade::numeric_gradient(
        [&](const std::vector<double>& v) { return bn_loss(k, x, gamma, v); }, beta));
  const int64_t C = k.x_shape[1];
  return {name, points, backward_inputs(k), [=](const wire::Record&, const wire::Record& outputs) {
            if (!dx.empty()) {
              Got got(outputs, "dx", k.x_shape);
              got.expect_close(dx, dx_atol, 1e-3, diagnose(k, got));
            }
            if (!dgamma.empty()) Got(outputs, "dgamma", {C}).expect_close(dgamma, 1e-4, 1e-3);
            if (!dbeta.empty()) Got(outputs, "dbeta", {C}).expect_close(dbeta, 1e-4, 1e-3);
          }};
}

std::string in(const ag::Shape& shape) { return ", x " + ag::shape_str(shape); }

const ag::Shape flat{8, 3}, image{4, 5, 3, 3}, one_image{1, 2, 5, 5}, pairs{2, 3}, big{64, 4},
    tiny{3, 2, 2, 2};

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  return {
      check("dx" + in(flat) + " (N, C)", 10, make_case(flat, 1), "x"),
      check("dgamma and dbeta" + in(flat), 10, make_case(flat, 2), "gb"),
      check("dx" + in(image) + " (N, C, H, W)", 10, make_case(image, 3), "x"),
      check("dgamma and dbeta" + in(image), 10, make_case(image, 4), "gb"),
      check("dx, dgamma, dbeta" + in(one_image) + " (batch 1: statistics over positions)", 10,
            make_case(one_image, 5), "xgb"),
      check("dx, dgamma, dbeta" + in(pairs) + " (two values per channel: x_hat = +-1, dx ~ 0)", 10,
            make_case(pairs, 6), "xgb"),
      check("dx, dgamma, dbeta" + in(big) + " (a batch of 64)", 10, make_case(big, 7), "xgb"),
      check("dx" + in(image) + ", values within ~1e-3 (eps matters, inv_std ~ 300)", 10,
            make_case(image, 8, 1e-3f), "x", 1e-2, 1e-8),
      check("dx, dgamma, dbeta" + in(tiny) + " (three 2x2 images)", 20, make_case(tiny, 9), "xgb"),
  };
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/batchnorm_backward_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(
      argc, argv,
      {"Assignment A4: batch-norm backward", "tutorials/exercises/batchnorm_backward.cpp",
       visible_checks(), HIDDEN_CHECKS});
}
