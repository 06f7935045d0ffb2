// Grader of framework assignment F5, max-pool's backward (the regions marked
// "ASSIGNMENT max_pool_backward/...": the fast kernel and its naive twin): the
// judge's side. Each check sends x, the window and dout to
// max_pool_backward_runner.cpp, which runs max_pool2d and backward() with the
// kernels the check names, and compares the dx that comes back. Each case is
// two checks, the fast kernel's and the naive twin's, so a wrong twin costs
// only its own points.
//
// Sources of truth: gradients worked out by hand for ties, overlapping
// windows and padding (in each check's comment), and central differences in
// double of a max pool written here, on inputs whose values are all distinct
// (so the max of a window is unique and moves with no small step).
#include <cmath>
#include <limits>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/graders/judge.h"

namespace {

using Values = std::vector<double>;

struct Window {
  int64_t kernel, stride, padding;
};

bool all_close(const std::vector<float>& got, const std::vector<float>& expected) {
  if (got.size() != expected.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - expected[i]) <= 1e-5 + 1e-4 * std::fabs(expected[i]))) return false;
  return true;
}

// One kernel (the fast one or its naive twin) must give `expected`.
judge::Check one_kernel(const std::string& name, int points, bool naive,
                        const std::vector<float>& x, const ag::Shape& shape, const Window& window,
                        const std::vector<float>& dout, const std::vector<float>& expected) {
  wire::Record in = judge::call("max_pool");
  in.put_text("kernels", naive ? "naive" : "fast");
  in.put_floats("x", shape, x);
  in.put_int("kernel", window.kernel);
  in.put_int("stride", window.stride);
  in.put_int("padding", window.padding);
  const int64_t OH = (shape[2] + 2 * window.padding - window.kernel) / window.stride + 1;
  const int64_t OW = (shape[3] + 2 * window.padding - window.kernel) / window.stride + 1;
  in.put_floats("dout", {shape[0], shape[1], OH, OW}, dout);
  return {name, points, in, [=](const wire::Record&, const wire::Record& out) {
            const std::string what = naive ? "dx (naive kernel)" : "dx (fast kernel)";
            if (!out.has("dx")) throw judge::Wrong(what + ": no gradient arrived");
            const wire::Floats& dx = out.floats("dx");
            grade::expect(dx.shape == shape, what + ": expected shape " + ag::shape_str(shape) +
                                                 ", got " + ag::shape_str(dx.shape));
            grade::Diagnosis d;
            if (naive && out.has("fast dx") && all_close(out.floats("fast dx").values, expected) &&
                !all_close(dx.values, expected))
              d.hint(
                  "the fast kernel (core/kernels/pool.cpp) gives the right dx on this input: "
                  "only the naive twin (core/reference/pool_naive.cpp) is wrong");
            grade::expect_close(what, shape, dx.values.data(), expected.data(), 1e-5, 1e-4, d);
          }};
}

// Both kernels must give `expected`: two checks, splitting the points (the
// fast one gets the odd point).
std::vector<judge::Check> both_kernels(const std::string& name, int points,
                                       const std::vector<float>& x, const ag::Shape& shape,
                                       const Window& window, const std::vector<float>& dout,
                                       const std::vector<float>& expected) {
  return {one_kernel("fast kernel: " + name, points - points / 2, false, x, shape, window, dout,
                     expected),
          one_kernel("naive twin:  " + name, points / 2, true, x, shape, window, dout, expected)};
}

// A 4x4 map of equal values, 2x2 windows: every window is a four-way tie.
// As PyTorch, the first maximum in row-major order of the window wins:
// the gradient of each window goes to its top-left cell.
std::vector<judge::Check> ties(const std::string& name, int points) {
  std::vector<float> x(16, 1.0f), dout = {1, 2, 3, 4}, expected(16, 0.0f);
  expected[0] = 1, expected[2] = 2, expected[8] = 3, expected[10] = 4;
  return both_kernels(name, points, x, {1, 1, 4, 4}, {2, 2, 0}, dout, expected);
}

// 3x3 input, 2x2 windows, stride 1: the centre (9, the largest) is the max of
// all four windows, so it receives the sum of their gradients: 1+2+3+4 = 10.
std::vector<judge::Check> overlapping(const std::string& name, int points) {
  std::vector<float> x = {1, 2, 3, 4, 9, 5, 6, 7, 8}, dout = {1, 2, 3, 4};
  return both_kernels(name, points, x, {1, 1, 3, 3}, {2, 1, 0}, dout, {0, 0, 0, 0, 10, 0, 0, 0, 0});
}

// All-negative 3x3 input, 3x3 windows, stride 2, padding 1: output 2x2.
// Padding is -infinity, never the max. Windows (rows x cols of x):
//   out[0][0]: rows 0-1, cols 0-1 -> max of {-5, -2, -4, -9} is -2 at (0, 1)
//   out[0][1]: rows 0-1, cols 1-2 -> {-2, -3, -9, -6}: -2 at (0, 1) again
//   out[1][0]: rows 1-2, cols 0-1 -> {-4, -9, -7, -8}: -4 at (1, 0)
//   out[1][1]: rows 1-2, cols 1-2 -> {-9, -6, -8, -1}: -1 at (2, 2)
// so dx(0, 1) = 1 + 2, dx(1, 0) = 3, dx(2, 2) = 4.
std::vector<judge::Check> padding(const std::string& name, int points) {
  std::vector<float> x = {-5, -2, -3, -4, -9, -6, -7, -8, -1}, dout = {1, 2, 3, 4};
  return both_kernels(name, points, x, {1, 1, 3, 3}, {3, 2, 1}, dout, {0, 3, 0, 3, 0, 0, 0, 0, 4});
}

// Max pool of x (N, C, H, W) in double, padding = -infinity.
Values max_pool_ref(const Values& x, const ag::Shape& s, const Window& o, int64_t OH, int64_t OW) {
  const int64_t planes = s[0] * s[1], H = s[2], W = s[3];
  Values out(static_cast<size_t>(planes * OH * OW), -std::numeric_limits<double>::infinity());
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow)
        for (int64_t i = 0; i < o.kernel; ++i)
          for (int64_t j = 0; j < o.kernel; ++j) {
            const int64_t h = oh * o.stride - o.padding + i, w = ow * o.stride - o.padding + j;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            double& m = out[(p * OH + oh) * OW + ow];
            m = std::max(m, x[(p * H + h) * W + w]);
          }
  return out;
}

// Distinct values in a scrambled order; the expected dx is the central
// difference of the max pool above (exact: no window's max moves).
std::vector<judge::Check> random_case(const std::string& name, int points, const ag::Shape& shape,
                                      const Window& window, uint64_t seed) {
  const int64_t n = ag::numel_of(shape);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[i] = static_cast<float>((i * 37 + seed * 11) % n) * 0.125f - 3.0f;  // all distinct
  const int64_t OH = (shape[2] + 2 * window.padding - window.kernel) / window.stride + 1;
  const int64_t OW = (shape[3] + 2 * window.padding - window.kernel) / window.stride + 1;
  std::vector<float> dout = grade::random_floats(shape[0] * shape[1] * OH * OW, seed);
  auto loss = [&](const Values& v) {
    Values out = max_pool_ref(v, shape, window, OH, OW);
    double total = 0;
    for (size_t i = 0; i < out.size(); ++i) total += out[i] * dout[i];
    return total;
  };
  return both_kernels(name, points, x, shape, window, dout,
                      grade::to_floats(grade::numeric_gradient(loss, grade::to_doubles(x), 1e-3)));
}

// Values drawn from {0, 1, 2} only, so most windows hold a tie; padding is
// -infinity. As PyTorch (and as ties() above, worked by hand), each window's
// gradient goes to its first maximum in row-major order: the loop below
// routes dout by that rule, with no finite differences (a tie has none).
std::vector<judge::Check> tie_case(const std::string& name, int points, const ag::Shape& shape,
                                   const Window& window, uint64_t seed) {
  const int64_t n = ag::numel_of(shape), H = shape[2], W = shape[3];
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>((i * 7 + seed * 5 + i / 3) % 3);
  const int64_t OH = (H + 2 * window.padding - window.kernel) / window.stride + 1;
  const int64_t OW = (W + 2 * window.padding - window.kernel) / window.stride + 1;
  std::vector<float> dout = grade::random_floats(shape[0] * shape[1] * OH * OW, seed);
  std::vector<float> expected(x.size(), 0.0f);
  for (int64_t p = 0; p < shape[0] * shape[1]; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        int64_t first_max = -1;  // index into x of the window's first maximum
        for (int64_t i = 0; i < window.kernel; ++i)
          for (int64_t j = 0; j < window.kernel; ++j) {
            const int64_t h = oh * window.stride - window.padding + i;
            const int64_t w = ow * window.stride - window.padding + j;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            const int64_t at = (p * H + h) * W + w;
            if (first_max < 0 || x[at] > x[first_max]) first_max = at;  // strict: the first stays
          }
        expected[first_max] += dout[(p * OH + oh) * OW + ow];
      }
  return both_kernels(name, points, x, shape, window, dout, expected);
}

std::vector<judge::Check> joined(const std::vector<std::vector<judge::Check>>& cases) {
  std::vector<judge::Check> checks;
  for (const std::vector<judge::Check>& pair : cases)
    checks.insert(checks.end(), pair.begin(), pair.end());
  return checks;
}

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  const std::vector<std::vector<judge::Check>> cases = {
      ties("2x2 windows on a 4x4 map of equal values: ties go to the first max of each window", 20),
      overlapping("overlapping 2x2 windows, stride 1: a max shared by four windows gets their sum",
                  15),
      padding("3x3 windows, stride 2, padding 1 on negative values: padding never wins", 20),
      random_case("x [1, 1, 4, 4], 2x2 windows (distinct values) vs finite differences", 15,
                  {1, 1, 4, 4}, {2, 2, 0}, 1),
      random_case("x [2, 3, 5, 5], 3x3 windows, stride 2 vs finite differences", 15, {2, 3, 5, 5},
                  {3, 2, 0}, 2),
      random_case("x [1, 2, 6, 7], 3x3 windows, stride 2, padding 1 vs finite differences", 15,
                  {1, 2, 6, 7}, {3, 2, 1}, 3),
  };
  return joined(cases);
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/max_pool_backward_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(argc, argv,
                     {"Assignment F5: max-pool backward", "core (regions: max_pool_backward)",
                      visible_checks(), HIDDEN_CHECKS});
}
