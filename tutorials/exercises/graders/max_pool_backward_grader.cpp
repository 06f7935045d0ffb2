// Grader of framework assignment F5, max-pool's backward (the regions marked
// "ASSIGNMENT max_pool_backward/...": the fast kernel and its naive twin).
//
// Sources of truth: gradients worked out by hand for ties, overlapping
// windows and padding (in each check's comment), and central differences in
// double of a max pool written here, on inputs whose values are all distinct
// (so the max of a window is unique and moves with no small step).
#include <cmath>
#include <limits>
#include <string>

#include "core/ag.h"
#include "core/kernels/kernel_mode.h"
#include "tutorials/exercises/graders/grader.h"

namespace {

using Values = std::vector<double>;

ag::Tensor dx_of(const std::vector<float>& x, const ag::Shape& shape,
                 const ag::Pool2dOptions& options, const std::vector<float>& dout) {
  ag::Tensor xt = ag::from_vector(x, shape, true);
  ag::Tensor out = ag::max_pool2d(xt, options);
  out.backward(ag::from_vector(dout, out.shape()));
  grade::expect(xt.grad().defined(), "dx: no gradient arrived");
  return xt.grad();
}

// Both kernels, the fast one and its naive twin, must give `expected`.
void expect_both(const std::vector<float>& x, const ag::Shape& shape,
                 const ag::Pool2dOptions& options, const std::vector<float>& dout,
                 const std::vector<float>& expected) {
  for (ag::Kernels kernels : {ag::Kernels::Fast, ag::Kernels::Naive}) {
    ag::KernelsGuard guard(kernels);
    grade::expect_close(std::string("dx (") + ag::kernels_name(kernels) + " kernel)",
                        dx_of(x, shape, options, dout), ag::from_vector(expected, shape), 1e-5,
                        1e-4);
  }
}

// A 4x4 map of equal values, 2x2 windows: every window is a four-way tie.
// As PyTorch, the first maximum in row-major order of the window wins:
// the gradient of each window goes to its top-left cell.
void ties() {
  std::vector<float> x(16, 1.0f), dout = {1, 2, 3, 4}, expected(16, 0.0f);
  expected[0] = 1, expected[2] = 2, expected[8] = 3, expected[10] = 4;
  expect_both(x, {1, 1, 4, 4}, ag::Pool2dOptions(2), dout, expected);
}

// 3x3 input, 2x2 windows, stride 1: the centre (9, the largest) is the max of
// all four windows, so it receives the sum of their gradients: 1+2+3+4 = 10.
void overlapping() {
  std::vector<float> x = {1, 2, 3, 4, 9, 5, 6, 7, 8}, dout = {1, 2, 3, 4};
  expect_both(x, {1, 1, 3, 3}, ag::Pool2dOptions(2).stride(1), dout, {0, 0, 0, 0, 10, 0, 0, 0, 0});
}

// All-negative 3x3 input, 3x3 windows, stride 2, padding 1: output 2x2.
// Padding is -infinity, never the max. Windows (rows x cols of x):
//   out[0][0]: rows 0-1, cols 0-1 -> max of {-5, -2, -4, -9} is -2 at (0, 1)
//   out[0][1]: rows 0-1, cols 1-2 -> {-2, -3, -9, -6}: -2 at (0, 1) again
//   out[1][0]: rows 1-2, cols 0-1 -> {-4, -9, -7, -8}: -4 at (1, 0)
//   out[1][1]: rows 1-2, cols 1-2 -> {-9, -6, -8, -1}: -1 at (2, 2)
// so dx(0, 1) = 1 + 2, dx(1, 0) = 3, dx(2, 2) = 4.
void padding() {
  std::vector<float> x = {-5, -2, -3, -4, -9, -6, -7, -8, -1}, dout = {1, 2, 3, 4};
  expect_both(x, {1, 1, 3, 3}, ag::Pool2dOptions(3).stride(2).padding(1), dout,
              {0, 3, 0, 3, 0, 0, 0, 0, 4});
}

// Max pool of x (N, C, H, W) in double, padding = -infinity.
Values max_pool_ref(const Values& x, const ag::Shape& s, const ag::Pool2dOptions& o, int64_t OH,
                    int64_t OW) {
  const int64_t planes = s[0] * s[1], H = s[2], W = s[3];
  Values out(static_cast<size_t>(planes * OH * OW), -std::numeric_limits<double>::infinity());
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow)
        for (int64_t i = 0; i < o.kernel_h; ++i)
          for (int64_t j = 0; j < o.kernel_w; ++j) {
            const int64_t h = oh * o.stride_h - o.pad_h + i, w = ow * o.stride_w - o.pad_w + j;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            double& m = out[(p * OH + oh) * OW + ow];
            m = std::max(m, x[(p * H + h) * W + w]);
          }
  return out;
}

void random_case(const ag::Shape& shape, const ag::Pool2dOptions& options, uint64_t seed) {
  const int64_t n = ag::numel_of(shape);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[i] = static_cast<float>((i * 37 + seed * 11) % n) * 0.125f - 3.0f;  // all distinct
  const int64_t OH = (shape[2] + 2 * options.pad_h - options.kernel_h) / options.stride_h + 1;
  const int64_t OW = (shape[3] + 2 * options.pad_w - options.kernel_w) / options.stride_w + 1;
  std::vector<float> dout = grade::random_floats(shape[0] * shape[1] * OH * OW, seed);
  auto loss = [&](const Values& v) {
    Values out = max_pool_ref(v, shape, options, OH, OW);
    double total = 0;
    for (size_t i = 0; i < out.size(); ++i) total += out[i] * dout[i];
    return total;
  };
  expect_both(x, shape, options, dout,
              grade::to_floats(grade::numeric_gradient(loss, grade::to_doubles(x), 1e-3)));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<grade::Check> checks = {
      {"2x2 windows on a 4x4 map of equal values: ties go to the first max of each window", 20,
       ties},
      {"overlapping 2x2 windows, stride 1: a max shared by four windows gets their sum", 15,
       overlapping},
      {"3x3 windows, stride 2, padding 1 on negative values: padding never wins", 20, padding},
      {"x [1, 1, 4, 4], 2x2 windows (distinct values) vs finite differences", 15,
       [] {
         random_case({1, 1, 4, 4}, ag::Pool2dOptions(2), 1);
       }},
      {"x [2, 3, 5, 5], 3x3 windows, stride 2 vs finite differences", 15,
       [] {
         random_case({2, 3, 5, 5}, ag::Pool2dOptions(3).stride(2), 2);
       }},
      {"x [1, 2, 6, 7], 3x3 windows, stride 2, padding 1 vs finite differences", 15,
       [] {
         random_case({1, 2, 6, 7}, ag::Pool2dOptions(3).stride(2).padding(1), 3);
       }},
  };
  const char* student_file = argc > 1 ? argv[1] : "core (regions: max_pool_backward)";
  return grade::run_checks("Assignment F5: max-pool backward", student_file, checks);
}
