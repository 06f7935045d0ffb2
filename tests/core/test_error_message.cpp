// tests/core/test_error_message.cpp: how ag::message (core/error.h) prints values.
//
// Error messages quote the user's numbers. A NaN whose sign bit is set (what
// 0 * -inf, -(0/0) or a negated NaN give) used to print as "-nan", as
// printf and iostream write it; there is only one NaN, so messages say "nan".
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "core/ag.h"
#include "core/io/safetensors.h"
#include "tests/helpers/test_util.h"

TEST_SUITE("core.error") {
TEST_CASE("a NaN prints as nan whatever its sign bit; infinities keep their sign") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const float negative_nan = -nan;
  REQUIRE(std::signbit(negative_nan));  // the case that printed "-nan"
  CHECK(ag::message(nan) == "nan");
  CHECK(ag::message(negative_nan) == "nan");
  CHECK(ag::message(-std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(ag::message(-std::numeric_limits<long double>::quiet_NaN()) == "nan");
  CHECK(ag::message(inf, " ", -inf) == "inf -inf");
  CHECK(ag::message(-std::numeric_limits<double>::infinity()) == "-inf");
  // Other numbers print as iostream prints them (6 significant digits).
  CHECK(ag::message(1.5f, " ", -0.25, " ", 3, " ", int64_t{-7}) == "1.5 -0.25 3 -7");
  CHECK(ag::message('x', " ", true) == "x 1");
}

TEST_CASE("a message that quotes a NaN from the user's tensor says nan") {
  // save_safetensors quotes the value that cannot be stored as I64.
  ag::Tensor t = ag::tensor({1.0f, 0.0f});
  t.data()[1] = -std::numeric_limits<float>::quiet_NaN();
  REQUIRE(std::signbit(t.data()[1]));
  CHECK_THROWS_WITH_AS(
      ag::io::encode_safetensors({{"steps", t}}, {}, {"steps"}),
      "save_safetensors: tensor \"steps\" [2] cannot be stored as I64: element 1 is nan, not a "
      "whole number in int64 range",
      ag::Error);
}
}  // TEST_SUITE("core.error")
