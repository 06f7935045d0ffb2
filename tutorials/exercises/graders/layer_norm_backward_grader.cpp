// Grader of framework assignment F4, layer norm's backward (the regions
// marked "ASSIGNMENT layer_norm_backward/...": the fast kernel and its naive
// twin): the judge's side. Each check sends x, weight, bias and dout to
// layer_norm_backward_runner.cpp, which runs layer_norm and backward() with
// the kernels the check names, and compares the gradients that come back.
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
#include "tutorials/exercises/graders/judge.h"

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
grade::Diagnosis diagnose(const std::vector<float>& dx, const Values& x, int64_t width) {
  grade::Diagnosis d;
  Values x_hat = normalize(x, width);
  for (size_t row = 0; row < dx.size() / width; ++row) {
    double sum = 0, sum_xhat = 0, scale = 0;
    for (int64_t i = 0; i < width; ++i) {
      const double g = dx[row * width + i];
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

bool all_close(const std::vector<float>& got, const std::vector<float>& expected, double atol) {
  if (got.size() != expected.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - expected[i]) <= atol + 1e-3 * std::fabs(expected[i]))) return false;
  return true;
}

// The gradient `name` the runner sent, of shape `shape`.
const std::vector<float>& got(const wire::Record& out, const std::string& name,
                              const ag::Shape& shape, const std::string& which) {
  if (!out.has(name)) throw judge::Wrong(name + ": no gradient arrived" + which);
  const wire::Floats& f = out.floats(name);
  grade::expect(f.shape == shape, name + which + ": expected shape " + ag::shape_str(shape) +
                                      ", got " + ag::shape_str(f.shape));
  return f.values;
}

// One case with one of the two kernels. x has a nonzero mean, weight is near 1.
judge::Check check(const std::string& name, int points, const Case& k, bool naive, uint64_t seed,
                   float spread = 1.0f) {
  const ag::Shape normalized(k.shape.end() - (k.width == k.shape.back() ? 1 : 2), k.shape.end());
  std::vector<float> x_values = grade::random_floats(ag::numel_of(k.shape), seed, spread);
  for (float& v : x_values) v += 0.5f;
  std::vector<float> w_values = grade::random_floats(k.width, seed + 1),
                     b_values = grade::random_floats(k.width, seed + 2);
  for (float& w : w_values) w += 1.0f;
  const std::vector<float> dout = grade::random_floats(ag::numel_of(k.shape), seed + 3);
  wire::Record in = judge::call("layer_norm");
  in.put_text("kernels", naive ? "naive" : "fast");
  in.put_floats("x", k.shape, x_values);
  in.put_int("norm_dims", static_cast<int64_t>(normalized.size()));
  if (k.affine) {
    in.put_floats("weight", normalized, w_values);
    in.put_floats("bias", normalized, b_values);
  }
  in.put_floats("dout", k.shape, dout);
  const std::string which = naive ? " (the naive twin, core/reference/norm_naive.cpp)"
                                  : " (the fast kernel, core/kernels/norm.cpp)";
  return {name, points, in, [=](const wire::Record&, const wire::Record& out) {
            const Values x = grade::to_doubles(x_values), w = grade::to_doubles(w_values),
                         b = grade::to_doubles(b_values), none;
            const std::vector<float> dx = grade::to_floats(grade::numeric_gradient(
                [&](const Values& v) { return loss(v, k.affine ? w : none, b, dout, k.width); }, x,
                spread < 0.1f ? 1e-8 : 1e-5));
            const double atol = spread < 0.1f ? 1e-2 : 1e-4;
            const std::vector<float>& got_dx = got(out, "dx", k.shape, which);
            grade::Diagnosis d = diagnose(got_dx, x, k.width);
            if (naive && out.has("fast dx") && all_close(out.floats("fast dx").values, dx, atol) &&
                !all_close(got_dx, dx, atol))
              d.hint(
                  "the fast kernel (core/kernels/norm.cpp) gives the right dx on this input: "
                  "only the naive twin is wrong");
            grade::expect_close("dx" + which, k.shape, got_dx.data(), dx.data(), atol, 1e-3, d);
            if (!k.affine) return;
            auto dw = grade::numeric_gradient(
                [&](const Values& v) { return loss(x, v, b, dout, k.width); }, w);
            auto db = grade::numeric_gradient(
                [&](const Values& v) { return loss(x, w, v, dout, k.width); }, b);
            grade::expect_close("dweight" + which, normalized,
                                got(out, "dweight", normalized, which).data(),
                                grade::to_floats(dw).data(), 1e-4, 1e-3);
            grade::expect_close("dbias" + which, normalized,
                                got(out, "dbias", normalized, which).data(),
                                grade::to_floats(db).data(), 1e-4, 1e-3);
          }};
}

// Each case twice: the fast kernel's check and the naive twin's, splitting
// the case's points (the fast one gets the odd point).
void add_both(std::vector<judge::Check>& checks, const std::string& name, int points, const Case& k,
              uint64_t seed, float spread = 1.0f) {
  checks.push_back(check("fast kernel: " + name, points - points / 2, k, false, seed, spread));
  checks.push_back(check("naive twin:  " + name, points / 2, k, true, seed, spread));
}

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  std::vector<judge::Check> checks;
  add_both(checks, "x [4, 6] over [6], with weight and bias: dx, dweight, dbias", 20,
           {{4, 6}, 6, true}, 1);
  add_both(checks, "x [2, 3, 5] over [5] (rows from two leading dims)", 15, {{2, 3, 5}, 5, true},
           2);
  add_both(checks, "x [2, 3, 4] over [3, 4] (two normalized dims)", 15, {{2, 3, 4}, 12, true}, 3);
  add_both(checks, "x [3, 7] over [7], no weight or bias", 10, {{3, 7}, 7, false}, 4);
  add_both(checks, "x [3, 8] within ~1e-3 (eps matters)", 15, {{3, 8}, 8, true}, 5, 1e-3f);
  add_both(checks, "x [8, 16]: many rows", 15, {{8, 16}, 16, true}, 6);
  add_both(checks, "x [1, 2] (two values per row: x_hat = +-1)", 10, {{1, 2}, 2, true}, 7);
  return checks;
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/layer_norm_backward_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(argc, argv,
                     {"Assignment F4: layer-norm backward", "core (regions: layer_norm_backward)",
                      visible_checks(), HIDDEN_CHECKS});
}
