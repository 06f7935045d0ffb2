// Grader of assignment A1, softmax backward (tutorials/exercises/softmax_backward.cpp): the
// judge's side. Each check sends y and dy to the runner's entry "dx"
// (softmax_backward_runner.cpp), which calls the student's function, and
// compares the dx it sends back.
//
// Source of truth: central differences of a double-precision softmax written
// here. (Not attograd's own softmax backward: a hand-out cuts it out, since it
// is the answer; see tutorials/exercises/README.md.)
#include <algorithm>
#include <cmath>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/graders/judge.h"

namespace {

using judge::Got;

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

// True when the student's dx is dy_j * (y_j - s), s = sum_i y_i dy_i: the right
// per-row sum with the roles of y and dy swapped outside it.
bool swaps_y_and_dy(int64_t rows, int64_t cols, const Reference& ref, const Got& dx) {
  bool nonzero = false;
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t i = 0; i < cols; ++i) s += double(ref.y[r * cols + i]) * ref.dy[r * cols + i];
    for (int64_t j = 0; j < cols; ++j) {
      const double swapped = ref.dy[r * cols + j] * (ref.y[r * cols + j] - s);
      if (!(std::fabs(dx.data()[r * cols + j] - swapped) <= 1e-5 + 1e-3 * std::fabs(swapped)))
        return false;
      nonzero = nonzero || std::fabs(swapped) > 1e-4;
    }
  }
  return nonzero;
}

// What a correct dx satisfies whatever the numbers: each row sums to 0 (adding
// a constant to a row of x does not change its softmax). And the signature of
// a wrong per-row sum: got - expected = c * y in each row.
grade::Diagnosis diagnose(int64_t rows, int64_t cols, const Reference& ref, const Got& dx) {
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
  if (swaps_y_and_dy(rows, cols, ref, dx))
    d.hint(
        "your dx_j is dy_j * (y_j - s), with s the per-row sum: y and dy have swapped places. "
        "Redo Step 2: which of them multiplies the Jacobian's d_ij term?");
  else if (proportional && nonzero)
    d.hint("in each row, got - expected = c * y (row 0: c = " + std::to_string(c0) +
           "): the one per-row sum of Step 3 is off. Does its loop visit every index i, from 0 to "
           "cols - 1?");
  return d;
}

// A check: the student's dx for the reference's y and dy, against its dx.
judge::Check dx_check(const std::string& name, int points, int64_t rows, int64_t cols,
                      const Reference& ref, double atol, double rtol) {
  wire::Record in = judge::call("dx");
  in.put_int("rows", rows);
  in.put_int("cols", cols);
  in.put_floats("y", {rows, cols}, ref.y);
  in.put_floats("dy", {rows, cols}, ref.dy);
  return {name, points, in, [=](const wire::Record&, const wire::Record& out) {
            Got dx(out, "dx", {rows, cols});
            dx.expect_close(ref.dx, atol, rtol, diagnose(rows, cols, ref, dx));
          }};
}

// Random logits and random dy.
judge::Check random_check(const std::string& name, int points, int64_t rows, int64_t cols,
                          uint64_t seed) {
  Reference ref = reference(rows, cols, grade::random_floats(rows * cols, seed),
                            grade::random_floats(rows * cols, seed + 1));
  return dx_check(name, points, rows, cols, ref, 1e-5, 1e-3);
}

// Peaked rows: logits of size ~40 (y holds exact 0s), and in each row two
// tied peaks far above the rest (y = 1/2 at both), so dx is (dy_a - dy_b) / 4
// at the peaks a and b and ~0 elsewhere. The first peak of row r is at
// r % cols, so row 0's is at index 0: with random peaks, y_0 was ~0 in every
// row, and a per-row sum that skips i = 0 (off_by_one.cpp) passed this check.
judge::Check peaked_check(const std::string& name, int points, int64_t rows, int64_t cols,
                          uint64_t seed) {
  std::vector<float> logits = grade::random_floats(rows * cols, seed, 40.0f);
  for (int64_t r = 0; r < rows; ++r) {
    float* row = logits.data() + r * cols;
    const float top = *std::max_element(row, row + cols) + 60.0f;  // e^-60: the rest are 0
    const int64_t a = r % cols, b = (a + 1 + (r / 2) % (cols - 1)) % cols;
    row[a] = row[b] = top;
  }
  Reference ref = reference(rows, cols, logits, grade::random_floats(rows * cols, seed + 1));
  return dx_check(name, points, rows, cols, ref, 1e-5, 1e-3);
}

std::string shape_name(int64_t rows, int64_t cols) { return ag::shape_str({rows, cols}); }

judge::Check reference_check(int points, int64_t rows, int64_t cols, uint64_t seed,
                             const std::string& note) {
  return random_check(
      "dx vs the softmax's gradient (central differences), y " + shape_name(rows, cols) + note,
      points, rows, cols, seed);
}

// The same in a second way, from attograd's softmax forward in float: the y a
// real backward gets.
judge::Check finite_differences_check() {
  const int64_t rows = 3, cols = 6;
  std::vector<float> x = grade::random_floats(rows * cols, 41),
                     dy = grade::random_floats(rows * cols, 42);
  Reference ref = reference(rows, cols, x, dy);
  ref.y = ag::softmax(ag::from_vector(x, {rows, cols}), -1).to_vector();
  return dx_check("dx for y from attograd's float softmax vs finite differences, y [3, 6]", 20,
                  rows, cols, ref, 1e-4, 1e-3);
}

// A constant dy row gives dx = 0; a random dy gives rows of dx that sum to 0.
// One call of the student's function does both: rows are independent, so the
// first 4 rows have a constant dy and the next 4 (the same y) a random one.
judge::Check properties_check() {
  const int64_t rows = 4, cols = 9, n = rows * cols;
  std::vector<float> x = grade::random_floats(n, 51);
  std::vector<float> dy(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < cols; ++i) dy[r * cols + i] = 0.5f + static_cast<float>(r);
  const std::vector<float> random_dy = grade::random_floats(n, 52);
  dy.insert(dy.end(), random_dy.begin(), random_dy.end());
  std::vector<float> y = reference(rows, cols, x, random_dy).y;
  y.insert(y.end(), y.begin(), y.end());
  wire::Record in = judge::call("dx");
  in.put_int("rows", 2 * rows);
  in.put_int("cols", cols);
  in.put_floats("y", {2 * rows, cols}, y);
  in.put_floats("dy", {2 * rows, cols}, dy);
  return {
      "constant dy gives dx = 0; random dy gives dx rows summing to 0, y [4, 9]", 10, in,
      [=](const wire::Record&, const wire::Record& out) {
        Got both(out, "dx", {2 * rows, cols});
        const float* dx = both.data() + n;  // the random half
        grade::expect_close("dx", {rows, cols}, both.data(),
                            std::vector<float>(static_cast<size_t>(n), 0.0f).data(), 1e-5, 0);
        double largest = 0;
        for (int64_t r = 0; r < rows; ++r) {
          double row_sum = 0;
          for (int64_t i = 0; i < cols; ++i) {
            row_sum += dx[r * cols + i];
            largest = std::max(largest, std::fabs(static_cast<double>(dx[r * cols + i])));
          }
          grade::expect(std::fabs(row_sum) < 1e-5, "random dy: row " + std::to_string(r) +
                                                       " of dx sums to " + std::to_string(row_sum) +
                                                       ", expected 0");
        }
        grade::expect(largest > 1e-3, "random dy: dx is all zeros, expected a nonzero gradient");
      }};
}

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  return {
      dx_check("dx for one row, y = softmax([1, 2, 3]), dy = [1, 0, -1]", 10, 1, 3,
               reference(1, 3, {1, 2, 3}, {1, 0, -1}), 1e-6, 1e-4),
      reference_check(10, 4, 5, 11, ""),
      reference_check(15, 5, 13, 12, " (odd sizes)"),
      reference_check(10, 1, 257, 13, " (one long row)"),
      reference_check(10, 7, 2, 14, " (two entries per row)"),
      reference_check(5, 64, 10, 15, " (a batch of 64)"),
      peaked_check("dx for peaked rows, y [6, 8] from logits of size ~40 (y has 0s and 1/2s)", 10,
                   6, 8, 16),
      finite_differences_check(),
      properties_check(),
  };
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/softmax_backward_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(argc, argv,
                     {"Assignment A1: softmax backward", "tutorials/exercises/softmax_backward.cpp",
                      visible_checks(), HIDDEN_CHECKS});
}
