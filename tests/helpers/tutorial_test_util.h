// tests/helpers/tutorial_test_util.h: plain-loop linear algebra for the tutorial checks.
//
// The tutorials compute with attograd ops; the checks recompute with these
// double-precision loops, so no attograd op is involved in a check.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/ag.h"
#include "tutorials/common/attention_steps.h"

namespace tut_test {

// ---- plain-loop linear algebra, doubles, row-major matrices ----
using Mat = std::vector<std::vector<double>>;

inline Mat to_mat(const ag::Tensor& t) {
  REQUIRE(t.dim() == 2);
  Mat m(t.size(0), std::vector<double>(t.size(1)));
  for (int64_t i = 0; i < t.size(0); ++i)
    for (int64_t j = 0; j < t.size(1); ++j) m[i][j] = t.data()[i * t.size(1) + j];
  return m;
}

inline Mat mat_mul(const Mat& a, const Mat& b) {
  Mat c(a.size(), std::vector<double>(b[0].size(), 0.0));
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < b[0].size(); ++j)
      for (size_t k = 0; k < b.size(); ++k) c[i][j] += a[i][k] * b[k][j];
  return c;
}

inline Mat mat_t(const Mat& a) {
  Mat t(a[0].size(), std::vector<double>(a.size()));
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[0].size(); ++j) t[j][i] = a[i][j];
  return t;
}

inline Mat mat_scale(Mat a, double s) {
  for (auto& row : a)
    for (double& v : row) v *= s;
  return a;
}

// Row softmax; entries where masked[i][j] is true get weight 0.
inline Mat softmax_rows(const Mat& x, const std::vector<std::vector<bool>>& masked = {}) {
  Mat p = x;
  for (size_t i = 0; i < x.size(); ++i) {
    double m = -1e300, sum = 0.0;
    auto off = [&](size_t j) { return !masked.empty() && masked[i][j]; };
    for (size_t j = 0; j < x[i].size(); ++j)
      if (!off(j)) m = std::max(m, x[i][j]);
    for (size_t j = 0; j < x[i].size(); ++j) sum += off(j) ? 0.0 : std::exp(x[i][j] - m);
    for (size_t j = 0; j < x[i].size(); ++j) p[i][j] = off(j) ? 0.0 : std::exp(x[i][j] - m) / sum;
  }
  return p;
}

struct PlainAttention {
  Mat scores, scaled, weights, out;
};
inline PlainAttention plain_attention(const Mat& q, const Mat& k, const Mat& v,
                                      const std::vector<std::vector<bool>>& masked = {}) {
  PlainAttention a;
  a.scores = mat_mul(q, mat_t(k));
  a.scaled = mat_scale(a.scores, 1.0 / std::sqrt(static_cast<double>(q[0].size())));
  a.weights = softmax_rows(a.scaled, masked);
  a.out = mat_mul(a.weights, v);
  return a;
}

inline void check_mat(const ag::Tensor& got, const Mat& want, double tol = 1e-5) {
  REQUIRE(got.dim() == 2);
  REQUIRE(got.size(0) == static_cast<int64_t>(want.size()));
  REQUIRE(got.size(1) == static_cast<int64_t>(want[0].size()));
  for (size_t i = 0; i < want.size(); ++i)
    for (size_t j = 0; j < want[0].size(); ++j) {
      const double g = got.data()[i * want[0].size() + j];
      if (!(std::fabs(g - want[i][j]) <= tol * (1.0 + std::fabs(want[i][j])))) {
        FAIL_CHECK("element [" << i << ", " << j << "]: got " << g << ", expected " << want[i][j]);
        return;
      }
    }
}

inline void check_vec(const ag::Tensor& got, const std::vector<double>& want, double tol = 1e-5) {
  REQUIRE(got.numel() == static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    CHECK_MESSAGE(std::fabs(got.data()[i] - want[i]) <= tol * (1.0 + std::fabs(want[i])),
                  "element " << i << ": got " << got.data()[i] << ", expected " << want[i]);
}

inline void check_attention(const tut::Attention& got, const PlainAttention& want) {
  check_mat(got.scores, want.scores);
  check_mat(got.scaled, want.scaled);
  check_mat(got.weights, want.weights);
  check_mat(got.out, want.out);
}

inline std::vector<double> row_sums(const Mat& m) {
  std::vector<double> s;
  for (const auto& row : m) {
    double t = 0.0;
    for (double v : row) t += v;
    s.push_back(t);
  }
  return s;
}

}  // namespace tut_test
