// Grader of assignment A1, softmax backward (tutorials/exercises/softmax_backward.cpp).
//
// Sources of truth: attograd's own softmax (ag::softmax forward, its gradient
// from backward()), and central differences of a double-precision softmax.
#include <cmath>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/graders/grader.h"
#include "tutorials/exercises/softmax_backward.h"

namespace {

using grade::Output;

// y = softmax(x) and the dx attograd's backward gives for dy.
struct Reference {
  std::vector<float> y, dy, dx;
};

Reference attograd_reference(int64_t rows, int64_t cols, const std::vector<float>& x_values,
                             const std::vector<float>& dy_values) {
  ag::Tensor x = ag::from_vector(x_values, {rows, cols}, /*requires_grad=*/true);
  ag::Tensor y = ag::softmax(x, -1);
  y.backward(ag::from_vector(dy_values, {rows, cols}));
  return {y.to_vector(), dy_values, x.grad().to_vector()};
}

// The student's dx for the reference's y and dy.
Output student_dx(int64_t rows, int64_t cols, const Reference& ref) {
  Output dx("dx", {rows, cols});
  ex::softmax_backward(ref.y.data(), ref.dy.data(), dx.data(), rows, cols);
  return dx;
}

// Random logits (times logit_scale) and random dy; the student must match attograd.
void against_attograd(int64_t rows, int64_t cols, uint64_t seed, float logit_scale = 1.0f) {
  Reference ref = attograd_reference(rows, cols, grade::random_floats(rows * cols, seed, logit_scale),
                                     grade::random_floats(rows * cols, seed + 1));
  student_dx(rows, cols, ref).expect_close(ref.dx, 1e-5, 1e-3);
}

std::string shape_name(int64_t rows, int64_t cols) { return ag::shape_str({rows, cols}); }

grade::Check attograd_check(int points, int64_t rows, int64_t cols, uint64_t seed, const std::string& note) {
  return {"dx vs attograd's softmax backward, y " + shape_name(rows, cols) + note, points,
          [=] { against_attograd(rows, cols, seed); }};
}

// dx_j = dL/dx_j for L = sum_i softmax(x)_i * dy_i, by central differences in double.
void against_finite_differences() {
  const int64_t rows = 3, cols = 6;
  std::vector<float> x = grade::random_floats(rows * cols, 41), dy = grade::random_floats(rows * cols, 42);
  auto loss = [&](const std::vector<double>& xs) {
    double total = 0;
    for (int64_t r = 0; r < rows; ++r) {
      double max = xs[r * cols], sum = 0;
      for (int64_t i = 0; i < cols; ++i) max = std::max(max, xs[r * cols + i]);
      for (int64_t i = 0; i < cols; ++i) sum += std::exp(xs[r * cols + i] - max);
      for (int64_t i = 0; i < cols; ++i) total += std::exp(xs[r * cols + i] - max) / sum * dy[r * cols + i];
    }
    return total;
  };
  std::vector<double> numeric = grade::numeric_gradient(loss, grade::to_doubles(x));
  Reference ref = attograd_reference(rows, cols, x, dy);  // only its y is used
  student_dx(rows, cols, ref).expect_close(grade::to_floats(numeric), 1e-4, 1e-3);
}

// A constant dy row gives dx = 0; a random dy gives rows of dx that sum to 0.
void properties() {
  const int64_t rows = 4, cols = 9;
  std::vector<float> x = grade::random_floats(rows * cols, 51);
  std::vector<float> constant_dy(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < cols; ++i) constant_dy[r * cols + i] = 0.5f + static_cast<float>(r);
  Output dx_constant = student_dx(rows, cols, attograd_reference(rows, cols, x, constant_dy));
  dx_constant.expect_close(std::vector<float>(static_cast<size_t>(rows * cols), 0.0f), 1e-5, 0);

  Output dx = student_dx(rows, cols, attograd_reference(rows, cols, x, grade::random_floats(rows * cols, 52)));
  double largest = 0;
  for (int64_t r = 0; r < rows; ++r) {
    double row_sum = 0;
    for (int64_t i = 0; i < cols; ++i) {
      row_sum += dx.data()[r * cols + i];
      largest = std::max(largest, std::fabs(static_cast<double>(dx.data()[r * cols + i])));
    }
    grade::expect(std::fabs(row_sum) < 1e-5, "random dy: row " + std::to_string(r) + " of dx sums to " +
                                                 std::to_string(row_sum) + ", expected 0");
  }
  grade::expect(largest > 1e-3, "random dy: dx is all zeros, expected a nonzero gradient");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<grade::Check> checks = {
      {"dx for one row, y = softmax([1, 2, 3]), dy = [1, 0, -1]", 10,
       [] {
         Reference ref = attograd_reference(1, 3, {1, 2, 3}, {1, 0, -1});
         student_dx(1, 3, ref).expect_close(ref.dx, 1e-6, 1e-4);
       }},
      attograd_check(10, 4, 5, 11, ""),
      attograd_check(15, 5, 13, 12, " (odd sizes)"),
      attograd_check(10, 1, 257, 13, " (one long row)"),
      attograd_check(10, 7, 2, 14, " (two entries per row)"),
      attograd_check(5, 64, 10, 15, " (a batch of 64)"),
      {"dx for peaked rows, y [6, 8] from logits of size ~40 (y has 0s and 1s)", 10,
       [] { against_attograd(6, 8, 16, 40.0f); }},
      {"dx vs finite differences of sum(softmax(x) * dy), y [3, 6]", 20, [] { against_finite_differences(); }},
      {"constant dy gives dx = 0; random dy gives dx rows summing to 0, y [4, 9]", 10, [] { properties(); }},
  };
  // argv[1], when given, names the graded file in the report (make grade SRC=...).
  const char* student_file = argc > 1 ? argv[1] : "tutorials/exercises/softmax_backward.cpp";
  return grade::run_checks("Assignment A1: softmax backward", student_file, checks);
}
