// Grader of assignment A1, softmax backward (tutorials/exercises/softmax_backward.cpp).
//
// Source of truth: central differences of a double-precision softmax written
// here. (Not attograd's own softmax backward: a hand-out cuts it out, since it
// is the answer; see tutorials/exercises/README.md.)
#include <cmath>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/graders/grader.h"
#include "tutorials/exercises/softmax_backward.h"

namespace {

using grade::Output;

// Row r of softmax(x), in double.
void softmax_rows(const std::vector<double>& x, int64_t rows, int64_t cols,
                  std::vector<double>& y) {
  y.resize(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double max = x[r * cols], sum = 0;
    for (int64_t i = 0; i < cols; ++i) max = std::max(max, x[r * cols + i]);
    for (int64_t i = 0; i < cols; ++i) sum += (y[r * cols + i] = std::exp(x[r * cols + i] - max));
    for (int64_t i = 0; i < cols; ++i) y[r * cols + i] /= sum;
  }
}

// y = softmax(x), and dx = dL/dx for L = sum(softmax(x) * dy) by central differences.
struct Reference {
  std::vector<float> y, dy, dx;
};

Reference reference(int64_t rows, int64_t cols, const std::vector<float>& x_values,
                    const std::vector<float>& dy_values) {
  std::vector<double> y;
  softmax_rows(grade::to_doubles(x_values), rows, cols, y);
  auto loss = [&](const std::vector<double>& xs) {
    std::vector<double> ys;
    softmax_rows(xs, rows, cols, ys);
    double total = 0;
    for (size_t i = 0; i < ys.size(); ++i) total += ys[i] * dy_values[i];
    return total;
  };
  return {grade::to_floats(y), dy_values,
          grade::to_floats(grade::numeric_gradient(loss, grade::to_doubles(x_values)))};
}

// What a correct dx satisfies whatever the numbers: each row sums to 0 (adding
// a constant to a row of x does not change its softmax). And the signature of
// a wrong per-row sum: got - expected = c * y in each row.
grade::Diagnosis diagnose(int64_t rows, int64_t cols, const Reference& ref, const Output& dx) {
  grade::Diagnosis d;
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (int64_t i = 0; i < cols; ++i) sum += dx.data()[r * cols + i];
    if (!(std::fabs(sum) < 1e-4)) {
      d.invariant(false, "the entries of each row of dx sum to 0; row " + std::to_string(r) +
                             " sums to " + std::to_string(sum));
      break;
    }
  }
  bool proportional = true, nonzero = false;
  double c0 = 0;
  for (int64_t r = 0; r < rows && proportional; ++r) {
    double c = 0;
    bool have = false;
    for (int64_t i = 0; i < cols; ++i) {
      const double y = ref.y[r * cols + i],
                   residual = dx.data()[r * cols + i] - ref.dx[r * cols + i];
      if (y < 1e-3) continue;
      if (!have) c = residual / y, have = true;
      proportional = proportional && std::isfinite(residual) &&
                     std::fabs(residual - c * y) < 1e-4 + 1e-3 * std::fabs(c * y);
    }
    nonzero = nonzero || std::fabs(c) > 1e-4;
    if (r == 0) c0 = c;
  }
  if (proportional && nonzero)
    d.hint("in each row, got - expected = c * y (row 0: c = " + std::to_string(c0) +
           "): the one per-row sum of Step 3 is off. Does its loop visit every index i, from 0 to "
           "cols - 1?");
  return d;
}

// The student's dx for the reference's y and dy.
Output student_dx(int64_t rows, int64_t cols, const Reference& ref) {
  Output dx("dx", {rows, cols});
  ex::softmax_backward(ref.y.data(), ref.dy.data(), dx.data(), rows, cols);
  return dx;
}

void expect_reference(int64_t rows, int64_t cols, const Reference& ref, double atol, double rtol) {
  Output dx = student_dx(rows, cols, ref);
  dx.expect_close(ref.dx, atol, rtol, diagnose(rows, cols, ref, dx));
}

// Random logits (times logit_scale) and random dy.
void against_reference(int64_t rows, int64_t cols, uint64_t seed, float logit_scale = 1.0f) {
  Reference ref = reference(rows, cols, grade::random_floats(rows * cols, seed, logit_scale),
                            grade::random_floats(rows * cols, seed + 1));
  expect_reference(rows, cols, ref, 1e-5, 1e-3);
}

std::string shape_name(int64_t rows, int64_t cols) { return ag::shape_str({rows, cols}); }

grade::Check reference_check(int points, int64_t rows, int64_t cols, uint64_t seed,
                             const std::string& note) {
  return {"dx vs the softmax's gradient (central differences), y " + shape_name(rows, cols) + note,
          points, [=] { against_reference(rows, cols, seed); }};
}

// The same in a second way, from attograd's softmax forward in float: the y a
// real backward gets.
void against_finite_differences() {
  const int64_t rows = 3, cols = 6;
  std::vector<float> x = grade::random_floats(rows * cols, 41),
                     dy = grade::random_floats(rows * cols, 42);
  Reference ref = reference(rows, cols, x, dy);
  ref.y = ag::softmax(ag::from_vector(x, {rows, cols}), -1).to_vector();
  expect_reference(rows, cols, ref, 1e-4, 1e-3);
}

// A constant dy row gives dx = 0; a random dy gives rows of dx that sum to 0.
void properties() {
  const int64_t rows = 4, cols = 9;
  std::vector<float> x = grade::random_floats(rows * cols, 51);
  std::vector<float> constant_dy(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < cols; ++i) constant_dy[r * cols + i] = 0.5f + static_cast<float>(r);
  Output dx_constant = student_dx(rows, cols, reference(rows, cols, x, constant_dy));
  dx_constant.expect_close(std::vector<float>(static_cast<size_t>(rows * cols), 0.0f), 1e-5, 0);

  Output dx =
      student_dx(rows, cols, reference(rows, cols, x, grade::random_floats(rows * cols, 52)));
  double largest = 0;
  for (int64_t r = 0; r < rows; ++r) {
    double row_sum = 0;
    for (int64_t i = 0; i < cols; ++i) {
      row_sum += dx.data()[r * cols + i];
      largest = std::max(largest, std::fabs(static_cast<double>(dx.data()[r * cols + i])));
    }
    grade::expect(std::fabs(row_sum) < 1e-5, "random dy: row " + std::to_string(r) +
                                                 " of dx sums to " + std::to_string(row_sum) +
                                                 ", expected 0");
  }
  grade::expect(largest > 1e-3, "random dy: dx is all zeros, expected a nonzero gradient");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<grade::Check> checks = {
      {"dx for one row, y = softmax([1, 2, 3]), dy = [1, 0, -1]", 10,
       [] {
         expect_reference(1, 3, reference(1, 3, {1, 2, 3}, {1, 0, -1}), 1e-6, 1e-4);
       }},
      reference_check(10, 4, 5, 11, ""),
      reference_check(15, 5, 13, 12, " (odd sizes)"),
      reference_check(10, 1, 257, 13, " (one long row)"),
      reference_check(10, 7, 2, 14, " (two entries per row)"),
      reference_check(5, 64, 10, 15, " (a batch of 64)"),
      {"dx for peaked rows, y [6, 8] from logits of size ~40 (y has 0s and 1s)", 10,
       [] { against_reference(6, 8, 16, 40.0f); }},
      {"dx for y from attograd's float softmax vs finite differences, y [3, 6]", 20,
       [] { against_finite_differences(); }},
      {"constant dy gives dx = 0; random dy gives dx rows summing to 0, y [4, 9]", 10,
       [] { properties(); }},
  };
  // argv[1], when given, names the graded file in the report (make grade SRC=...).
  const char* student_file = argc > 1 ? argv[1] : "tutorials/exercises/softmax_backward.cpp";
  return grade::run_checks("Assignment A1: softmax backward", student_file, checks);
}
