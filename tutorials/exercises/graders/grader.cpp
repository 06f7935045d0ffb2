// tutorials/exercises/graders/grader.cpp: the comparisons and inputs every
// grader uses (see grader.h).
#include "tutorials/exercises/graders/grader.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace grade {
namespace {

std::string number_str(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

}  // namespace

void expect(bool ok, const std::string& reason) {
  if (!ok) throw Wrong(reason);
}

void expect_close(const std::string& what, const ag::Shape& shape, const float* got,
                  const float* expected, double atol, double rtol, const Diagnosis& diagnosis) {
  const int64_t n = ag::numel_of(shape);
  std::vector<int64_t> wrong;
  for (int64_t i = 0; i < n; ++i) {
    double g = got[i], e = expected[i];
    bool close =
        std::isfinite(g) && std::fabs(g - e) <= atol + rtol * std::fabs(e);  // NaN fails here
    if (!close) wrong.push_back(i);
  }
  if (wrong.empty()) return;
  std::ostringstream os;
  os << what << " " << ag::shape_str(shape) << ": " << wrong.size() << " of " << n
     << " elements wrong";
  const std::string pattern = describe_errors(shape, got, expected, atol, rtol);
  if (!pattern.empty()) os << "; " << pattern;
  for (size_t k = 0; k < wrong.size() && k < 3; ++k) {
    const int64_t at = wrong[k];
    os << "\n  at " << ag::index_str(at, shape) << ": expected " << number_str(expected[at])
       << ", got " << number_str(got[at]);
    if (std::isnan(got[at])) os << " (NaN: never written, or computed from inf - inf or 0 / 0?)";
  }
  os << diagnosis.text();
  throw Wrong(os.str());
}

void expect_close(const std::string& what, const ag::Tensor& got, const ag::Tensor& expected,
                  double atol, double rtol, const Diagnosis& diagnosis) {
  expect(got.defined(), what + ": your function returned an undefined tensor");
  expect(got.shape() == expected.shape(), what + ": expected shape " +
                                              ag::shape_str(expected.shape()) + ", got " +
                                              ag::shape_str(got.shape()));
  expect_close(what, expected.shape(), got.data(), expected.data(), atol, rtol, diagnosis);
}

std::vector<float> random_floats(int64_t n, uint64_t seed, float scale) {
  ag::Generator generator(seed);
  std::vector<float> values(static_cast<size_t>(n));
  for (float& v : values) v = generator.normal() * scale;
  return values;
}

std::vector<double> numeric_gradient(const std::function<double(const std::vector<double>&)>& f,
                                     std::vector<double> x, double eps) {
  std::vector<double> gradient(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double saved = x[i];
    x[i] = saved + eps;
    const double up = f(x);
    x[i] = saved - eps;
    const double down = f(x);
    x[i] = saved;
    gradient[i] = (up - down) / (2 * eps);
  }
  return gradient;
}

std::vector<float> to_floats(const std::vector<double>& v) {
  return std::vector<float>(v.begin(), v.end());
}
std::vector<double> to_doubles(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

}  // namespace grade
