// tests/tutorials/test_tutorials_custom.cpp: every number tutorial 10 prints, recomputed
// with plain double-precision loops (no attograd ops).
#include <cmath>

#include "tests/helpers/test_util.h"
#include "tutorials/common/lesson10.h"
#include "tutorials/common/present.h"

TEST_SUITE("tutorials") {
TEST_CASE("tutorial 10: Swish values, its derivative, node counts, gradcheck verdicts") {
  tut::CustomOpLesson L = tut::lesson10_custom_op();
  const double xs[5] = {-2.0, -0.5, 0.0, 1.0, 3.0};
  for (int i = 0; i < 5; ++i) {
    const double s = 1.0 / (1.0 + std::exp(-xs[i]));
    const double y = xs[i] * s, dydx = s + xs[i] * s * (1.0 - s);
    CHECK(L.x.data()[i] == float(xs[i]));
    CHECK(L.y.data()[i] == doctest::Approx(y).epsilon(1e-6));
    CHECK(L.y_composed.data()[i] == doctest::Approx(y).epsilon(1e-6));
    CHECK(L.dx.data()[i] == doctest::Approx(dydx).epsilon(1e-6));
    CHECK(L.dx_composed.data()[i] == doctest::Approx(dydx).epsilon(1e-6));
  }
  CHECK(L.dx.data()[2] == doctest::Approx(0.5));  // the text's "for x = 0, dy/dx = 0.5"
  CHECK(L.nodes_custom == 1);
  CHECK(L.nodes_composed == 2);
  CHECK(L.dot_custom.find("SwishBackward") != std::string::npos);
  CHECK(L.dot_composed.find("SigmoidBackward") != std::string::npos);
  CHECK(L.check_good.ok);
  CHECK_FALSE(L.check_broken.ok);
  CHECK(L.check_broken.report.find("input 0 'x' of shape [3, 4]") != std::string::npos);
}

TEST_CASE("tutorial 10: where Swish's derivative is negative, as the text says") {
  // Independently, in double: dy/dx = σ(1 + x(1 - σ)) is 0 where 1 + x(1 - σ(x)) = 0, and
  // lowest where the second derivative σ'(x)(2 + x(1 - 2σ(x))) is 0. Bisection on both.
  auto sigma = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  auto bisect = [](auto f, double lo, double hi) {  // f(lo) < 0 < f(hi)
    for (int i = 0; i < 80; ++i) {
      const double mid = (lo + hi) / 2;
      (f(mid) < 0 ? lo : hi) = mid;
    }
    return lo;
  };
  const double zero = bisect([&](double x) { return 1.0 + x * (1.0 - sigma(x)); }, -2.0, -1.0);
  const double min_x =
      bisect([&](double x) { return 2.0 + x * (1.0 - 2.0 * sigma(x)); }, -3.0, -2.0);
  const double min = sigma(min_x) * (1.0 + min_x * (1.0 - sigma(min_x)));
  CHECK(zero == doctest::Approx(-1.2785).epsilon(1e-4));  // the numbers the issue quotes
  CHECK(min_x == doctest::Approx(-2.3994).epsilon(1e-4));
  CHECK(min == doctest::Approx(-0.0998).epsilon(1e-3));
  const tut::CustomOpLesson L = tut::lesson10_custom_op();
  CHECK(L.derivative_zero_x == doctest::Approx(zero).epsilon(1e-4));
  CHECK(std::fabs(L.derivative_min_x - min_x) <= 0.0005 + 1e-6);  // grid step 0.001
  CHECK(L.derivative_min == doctest::Approx(min).epsilon(1e-4));
  // Printed as -1.278, -0.0998, -2.40.
  CHECK(tut::fmt(L.derivative_zero_x, 3) == "-1.278");
  CHECK(tut::fmt(L.derivative_min) == "-0.0998");
  CHECK(tut::fmt(L.derivative_min_x, 2) == "-2.40");
}
}  // TEST_SUITE("tutorials")
