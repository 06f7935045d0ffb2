// tutorials/exercises/graders/diagnose.cpp: patterns in the wrong elements (see diagnose.h).
#include "tutorials/exercises/graders/diagnose.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/tensor.h"

namespace grade {
namespace {

std::string num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

bool near(double got, double expected, double atol, double rtol) {
  return std::isfinite(got) && std::fabs(got - expected) <= atol + rtol * std::fabs(expected);
}

// The tensor as a matrix: rows = everything before the last dim, cols = the last dim.
struct Grid {
  int64_t rows, cols;
  const float* got;
  const float* expected;
  double atol, rtol;
  bool wrong(int64_t r, int64_t c) const {
    return !near(got[r * cols + c], expected[r * cols + c], atol, rtol);
  }
  double residual(int64_t r, int64_t c) const { return got[r * cols + c] - expected[r * cols + c]; }
};

std::string list_of(const std::vector<int64_t>& items) {
  std::ostringstream os;
  for (size_t i = 0; i < items.size() && i < 5; ++i) os << (i ? ", " : "") << items[i];
  if (items.size() > 5) os << ", ... (" << items.size() << " in all)";
  return os.str();
}

// Every element of a line (row or column) wrong, every other line right.
std::string whole_lines(const Grid& g) {
  std::vector<int64_t> bad_rows, bad_cols;
  bool rows_whole = true, cols_whole = true;
  for (int64_t r = 0; r < g.rows; ++r) {
    int64_t n = 0;
    for (int64_t c = 0; c < g.cols; ++c) n += g.wrong(r, c);
    if (n == g.cols)
      bad_rows.push_back(r);
    else if (n)
      rows_whole = false;
  }
  for (int64_t c = 0; c < g.cols; ++c) {
    int64_t n = 0;
    for (int64_t r = 0; r < g.rows; ++r) n += g.wrong(r, c);
    if (n == g.rows)
      bad_cols.push_back(c);
    else if (n)
      cols_whole = false;
  }
  const bool some_rows =
      rows_whole && !bad_rows.empty() && static_cast<int64_t>(bad_rows.size()) < g.rows;
  const bool some_cols =
      cols_whole && !bad_cols.empty() && static_cast<int64_t>(bad_cols.size()) < g.cols;
  if (some_rows && g.cols > 1)
    return "every element of row " + list_of(bad_rows) + " is wrong, every other row is right";
  if (some_cols && g.rows > 1)
    return "every element of column " + list_of(bad_cols) +
           " (last index) is wrong, every other column is right";
  return "";
}

std::string diagonal_only(const Grid& g, const ag::Shape& shape) {
  if (shape.size() < 2 || shape[shape.size() - 2] != shape.back() || g.cols < 2) return "";
  int64_t diagonal_wrong = 0;
  for (int64_t r = 0; r < g.rows; ++r)
    for (int64_t c = 0; c < g.cols; ++c) {
      const bool on_diagonal = (r % g.cols) == c;
      if (g.wrong(r, c) && !on_diagonal) return "";
      diagonal_wrong += g.wrong(r, c);
    }
  return diagonal_wrong
             ? "only diagonal elements [.., i, i] are wrong: the i == j case (a Kronecker delta?)"
             : "";
}

std::string transposed(const Grid& g, const ag::Shape& shape) {
  if (shape.size() < 2 || shape[shape.size() - 2] != shape.back() || g.cols < 2) return "";
  const int64_t n = g.cols, mats = g.rows / n;
  for (int64_t m = 0; m < mats; ++m)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        if (!near(g.got[(m * n + i) * n + j], g.expected[(m * n + j) * n + i], g.atol, g.rtol))
          return "";
  return "it is the expected matrix transposed (got[.., i, j] = expected[.., j, i]): two indices "
         "swapped?";
}

std::string scaled(const Grid& g) {
  double dot = 0, norm = 0;
  for (int64_t i = 0; i < g.rows * g.cols; ++i) {
    dot += static_cast<double>(g.got[i]) * g.expected[i];
    norm += static_cast<double>(g.expected[i]) * g.expected[i];
  }
  if (norm == 0 || !std::isfinite(dot)) return "";
  const double k = dot / norm;
  if (std::fabs(k - 1) < 1e-3) return "";
  for (int64_t i = 0; i < g.rows * g.cols; ++i)
    if (!near(g.got[i], k * g.expected[i], g.atol, g.rtol)) return "";
  return "every element is the expected value times " + name_factor(k) +
         ": a missing or extra factor?";
}

// got - expected is one constant per row (rows differ), or one per column.
std::string constant_offsets(const Grid& g) {
  auto constant_along = [&](bool per_row) -> std::string {
    const int64_t lines = per_row ? g.rows : g.cols, length = per_row ? g.cols : g.rows;
    if (length < 2) return "";
    std::vector<double> offsets;
    bool any_nonzero = false;
    for (int64_t a = 0; a < lines; ++a) {
      const double first = per_row ? g.residual(a, 0) : g.residual(0, a);
      for (int64_t b = 1; b < length; ++b) {
        const double r = per_row ? g.residual(a, b) : g.residual(b, a);
        if (!std::isfinite(r) || std::fabs(r - first) > g.atol + g.rtol * std::fabs(first) + 1e-5)
          return "";
      }
      any_nonzero = any_nonzero || std::fabs(first) > g.atol;
      offsets.push_back(first);
    }
    if (!any_nonzero) return "";
    std::ostringstream os;
    os << "got - expected is one constant per " << (per_row ? "row" : "column (last index)")
       << " (";
    for (size_t i = 0; i < offsets.size() && i < 3; ++i)
      os << (i ? ", " : "") << (per_row ? "row " : "column ") << i << ": "
         << (offsets[i] >= 0 ? "+" : "") << num(offsets[i]);
    os << (offsets.size() > 3 ? ", ..." : "") << "): a term that should be subtracted per "
       << (per_row ? "row" : "column") << " is missing or wrong";
    return os.str();
  };
  std::string text = constant_along(true);
  return text.empty() ? constant_along(false) : text;
}

}  // namespace

std::string name_factor(double k) {
  std::string text = num(k);
  for (int n = 2; n <= 64; ++n) {
    const double root = std::sqrt(static_cast<double>(n));
    const bool square = root == std::floor(root);
    if (std::fabs(k - n) < 1e-3 * n) return text;  // a plain integer speaks for itself
    if (!square && std::fabs(k - root) < 1e-3 * root)
      return text + " = sqrt(" + std::to_string(n) + ")";
    if (!square && std::fabs(k - 1 / root) < 1e-3 / root)
      return text + " = 1/sqrt(" + std::to_string(n) + ")";
    if (std::fabs(k - 1.0 / n) < 1e-3 / n) return text + " = 1/" + std::to_string(n);
  }
  if (std::fabs(k + 1) < 1e-3) return text + " (the sign is flipped)";
  return text;
}

std::string describe_errors(const ag::Shape& shape, const float* got, const float* expected,
                            double atol, double rtol) {
  const int64_t numel = ag::numel_of(shape);
  if (numel < 2) return "";
  const int64_t cols = shape.empty() ? 1 : shape.back();
  if (cols == 0) return "";
  Grid g{numel / cols, cols, got, expected, atol, rtol};
  for (const std::string& found : {transposed(g, shape), scaled(g), constant_offsets(g),
                                   whole_lines(g), diagonal_only(g, shape)})
    if (!found.empty()) return found;
  return "";
}

std::string Diagnosis::text() const {
  std::string out;
  for (const std::string& f : failed) out += "\ninvariant broken: " + f;
  for (const std::string& h : hints) out += "\nhint: " + h;
  return out;
}

}  // namespace grade
