// tests/test_tutorials_custom.cpp: every number tutorial 10 prints, recomputed
// with plain double-precision loops (no attograd ops).
#include <cmath>

#include "tests/test_util.h"
#include "tutorials/common/lesson10.h"

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

  TEST_CASE("tutorial 10: Swish's derivative dips below 0 near x = -1.3, as the text says") {
    // d/dx [x σ(x)] = 0 where σ(x)(1 + x(1 - σ(x))) = 0, i.e. 1 + x(1 - σ(x)) = 0: x ≈ -1.2785.
    double lo = -2.0, hi = -1.0;
    for (int i = 0; i < 60; ++i) {
      double mid = (lo + hi) / 2, s = 1.0 / (1.0 + std::exp(-mid));
      (1.0 + mid * (1.0 - s) > 0 ? hi : lo) = mid;
    }
    CHECK(lo == doctest::Approx(-1.2785).epsilon(1e-3));
  }
}
