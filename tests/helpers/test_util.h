// tests/helpers/test_util.h: helpers shared by the suites: tensor comparison,
// gradcheck, and checks that bad input throws ag::Error with the right words.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/ag.h"

// CHECK that gradcheck passes, printing its report (input, element, both values) if not.
#define CHECK_GRADCHECK(fn, ...)                      \
  do {                                                \
    auto gc_result_ = ag::gradcheck(fn, __VA_ARGS__); \
    CHECK_MESSAGE(gc_result_.ok, gc_result_.report);  \
  } while (0)

namespace ag_test {

// Element-wise comparison with a readable failure: the first mismatching index.
inline void check_close(const ag::Tensor& got, const std::vector<float>& expected,
                        double tol = 1e-5) {
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

// The message of the ag::Error that f throws, or "<no error>". Any other
// exception type escapes, and doctest reports it as a failure.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ag::Error& e) {
    return e.what();
  }
  return "<no error>";
}

// Sets an environment variable for one scope, then puts back what was there.
struct ScopedEnv {
  std::string name, saved;
  bool had;
  ScopedEnv(const std::string& variable, const std::string& value)
      : name(variable), had(std::getenv(variable.c_str()) != nullptr) {
    if (had) saved = std::getenv(variable.c_str());
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had)
      ::setenv(name.c_str(), saved.c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

}  // namespace ag_test

// The statement must throw ag::Error whose message contains text: a shorter
// CHECK_THROWS_WITH_AS(statement, doctest::Contains(text), ag::Error) that
// prints the message it did get.
#define CHECK_FAILS_WITH(statement, text)                                                    \
  do {                                                                                       \
    std::string error_msg_ = ag_test::error_of([&] { (void)(statement); });                  \
    CHECK_MESSAGE(error_msg_.find(text) != std::string::npos,                                \
                  "expected an error containing \"" << (text) << "\", got: " << error_msg_); \
  } while (0)
