// tests/test_util.h: helpers shared by the Tensor-level suites.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/ag.h"

// CHECK that gradcheck passes, printing its report (input, element, both values) if not.
#define CHECK_GRADCHECK(fn, ...)                          \
  do {                                                    \
    auto gc_result_ = ag::gradcheck(fn, __VA_ARGS__);     \
    CHECK_MESSAGE(gc_result_.ok, gc_result_.report);      \
  } while (0)

namespace ag_test {

// Element-wise comparison with a readable failure: the first mismatching index.
inline void check_close(const ag::Tensor& got, const std::vector<float>& expected, double tol = 1e-5) {
  REQUIRE(got.numel() == static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    double g = got.data()[i], e = expected[i];
    if (!(std::fabs(g - e) <= tol * (1.0 + std::fabs(e)))) {
      FAIL_CHECK("element " << i << ": got " << g << ", expected " << e);
      return;
    }
  }
}

inline void check_close(const ag::Tensor& got, const ag::Tensor& expected, double tol = 1e-5) {
  REQUIRE(got.shape() == expected.shape());
  check_close(got, expected.to_vector(), tol);
}

}  // namespace ag_test
