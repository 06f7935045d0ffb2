// Grader of framework assignment F4, layer norm's backward (the regions
// marked "ASSIGNMENT layer_norm_backward/...": the fast kernel and its naive twin).
//
// Source of truth: central differences, in double, of L = sum(layer_norm(x) * dout)
// with the forward written here: per row of the normalized dims, the mean,
// the biased variance, x_hat = (x - mean) / sqrt(var + eps), w * x_hat + b.
// Both of attograd's kernels are graded, each in checks of its own, so a
// wrong naive twin costs only the twin's points: the fast one
// (core/kernels/norm.cpp) and, under the switch of core/kernels/kernel_mode.h,
// the textbook twin (core/reference/norm_naive.cpp).
#include <cmath>
#include <string>

#include "core/ag.h"
#include "core/kernels/kernel_mode.h"
#include "tutorials/exercises/graders/grader.h"

namespace {

using Values = std::vector<double>;
constexpr double kEps = 1e-5;

struct Case {
  ag::Shape shape;
  int64_t width;  // the product of the normalized dims: one row of statistics
  bool affine;
};

Values normalize(const Values& x, int64_t width) {
  Values x_hat(x.size());
  for (size_t row = 0; row < x.size() / width; ++row) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < width; ++i) mean += x[row * width + i] / width;
    for (int64_t i = 0; i < width; ++i) var += std::pow(x[row * width + i] - mean, 2) / width;
    for (int64_t i = 0; i < width; ++i)
      x_hat[row * width + i] = (x[row * width + i] - mean) / std::sqrt(var + kEps);
  }
  return x_hat;
}

double loss(const Values& x, const Values& w, const Values& b, const std::vector<float>& dout,
            int64_t width) {
  Values x_hat = normalize(x, width);
  double total = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t j = i % static_cast<size_t>(width);
    total += (w.empty() ? x_hat[i] : w[j] * x_hat[i] + b[j]) * dout[i];
  }
  return total;
}

// sum over each row of dx is 0, and so is sum of dx * x_hat (the row's shift
// and scale do not change x_hat).
grade::Diagnosis diagnose(const ag::Tensor& dx, const Values& x, int64_t width) {
  grade::Diagnosis d;
  Values x_hat = normalize(x, width);
  for (int64_t row = 0; row < dx.numel() / width; ++row) {
    double sum = 0, sum_xhat = 0, scale = 0;
    for (int64_t i = 0; i < width; ++i) {
      const double g = dx.data()[row * width + i];
      sum += g, sum_xhat += g * x_hat[row * width + i], scale += std::fabs(g);
    }
    const double tolerance = 1e-4 + 1e-4 * scale;
    if (!(std::fabs(sum) <= tolerance)) {
      d.invariant(false, "each row of dx sums to 0; row " + std::to_string(row) + " sums to " +
                             std::to_string(sum));
      d.hint("the path through the mean is missing or wrong");
      break;
    }
    if (!(std::fabs(sum_xhat) <= tolerance)) {
      d.invariant(false, "sum of dx * x_hat over each row is 0; row " + std::to_string(row) +
                             " gives " + std::to_string(sum_xhat));
      d.hint("the path through the variance is missing or wrong");
      break;
    }
  }
  return d;
}

void check(const Case& k, ag::Kernels kernels, uint64_t seed, float spread = 1.0f) {
  ag::Shape normalized(k.shape.end() - (k.width == k.shape.back() ? 1 : 2), k.shape.end());
  std::vector<float> x_values = grade::random_floats(ag::numel_of(k.shape), seed, spread);
  for (float& v : x_values) v += 0.5f;  // a nonzero mean
  std::vector<float> w_values = grade::random_floats(k.width, seed + 1),
                     b_values = grade::random_floats(k.width, seed + 2);
  for (float& w : w_values) w += 1.0f;
  std::vector<float> dout = grade::random_floats(ag::numel_of(k.shape), seed + 3);
  const Values x = grade::to_doubles(x_values), w = grade::to_doubles(w_values),
               b = grade::to_doubles(b_values);
  {
    ag::KernelsGuard guard(kernels);
    const std::string which = kernels == ag::Kernels::Fast
                                  ? " (the fast kernel, core/kernels/norm.cpp)"
                                  : " (the naive twin, core/reference/norm_naive.cpp)";
    ag::Tensor xt = ag::from_vector(x_values, k.shape, true);
    ag::Tensor wt = ag::from_vector(w_values, normalized, true),
               bt = ag::from_vector(b_values, normalized, true);
    ag::Tensor out =
        k.affine ? ag::layer_norm(xt, normalized, wt, bt) : ag::layer_norm(xt, normalized);
    out.backward(ag::from_vector(dout, k.shape));
    const Values none;
    auto dx = grade::numeric_gradient(
        [&](const Values& v) { return loss(v, k.affine ? w : none, b, dout, k.width); }, x,
        spread < 0.1f ? 1e-8 : 1e-5);
    grade::expect(xt.grad().defined(), "dx: no gradient arrived" + which);
    grade::expect_close("dx" + which, xt.grad(), ag::from_vector(grade::to_floats(dx), k.shape),
                        spread < 0.1f ? 1e-2 : 1e-4, 1e-3, diagnose(xt.grad(), x, k.width));
    if (!k.affine) return;
    auto dw =
        grade::numeric_gradient([&](const Values& v) { return loss(x, v, b, dout, k.width); }, w);
    auto db =
        grade::numeric_gradient([&](const Values& v) { return loss(x, w, v, dout, k.width); }, b);
    grade::expect(wt.grad().defined() && bt.grad().defined(),
                  "dweight, dbias: no gradient arrived" + which);
    grade::expect_close("dweight" + which, wt.grad(),
                        ag::from_vector(grade::to_floats(dw), normalized), 1e-4, 1e-3);
    grade::expect_close("dbias" + which, bt.grad(),
                        ag::from_vector(grade::to_floats(db), normalized), 1e-4, 1e-3);
  }
}

// Each case twice: the fast kernel's check and the naive twin's, splitting
// the case's points (the fast one gets the odd point).
void add_both(std::vector<grade::Check>& checks, const std::string& name, int points, const Case& k,
              uint64_t seed, float spread = 1.0f) {
  checks.push_back({"fast kernel: " + name, points - points / 2,
                    [=] { check(k, ag::Kernels::Fast, seed, spread); }});
  checks.push_back(
      {"naive twin:  " + name, points / 2, [=] { check(k, ag::Kernels::Naive, seed, spread); }});
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<grade::Check> checks;
  add_both(checks, "x [4, 6] over [6], with weight and bias: dx, dweight, dbias", 20,
           {{4, 6}, 6, true}, 1);
  add_both(checks, "x [2, 3, 5] over [5] (rows from two leading dims)", 15, {{2, 3, 5}, 5, true},
           2);
  add_both(checks, "x [2, 3, 4] over [3, 4] (two normalized dims)", 15, {{2, 3, 4}, 12, true}, 3);
  add_both(checks, "x [3, 7] over [7], no weight or bias", 10, {{3, 7}, 7, false}, 4);
  add_both(checks, "x [3, 8] within ~1e-3 (eps matters)", 15, {{3, 8}, 8, true}, 5, 1e-3f);
  add_both(checks, "x [8, 16]: many rows", 15, {{8, 16}, 16, true}, 6);
  add_both(checks, "x [1, 2] (two values per row: x_hat = +-1)", 10, {{1, 2}, 2, true}, 7);
  const char* student_file = argc > 1 ? argv[1] : "core (regions: layer_norm_backward)";
  return grade::run_checks("Assignment F4: layer-norm backward", student_file, checks);
}
