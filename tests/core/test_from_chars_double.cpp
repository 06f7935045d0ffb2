// tests/core/test_from_chars_double.cpp: core/io/from_chars_double.h's strtod
// fallback (libc++ before 17 has no from_chars for double) reads what
// std::from_chars reads, stops where it stops and refuses what it refuses.
#include <doctest/doctest.h>

#include <charconv>
#include <cstring>
#include <string>

#include "core/io/from_chars_double.h"

TEST_SUITE("core.io") {

TEST_CASE("from_chars_double: the strtod fallback agrees with std::from_chars") {
  struct Case {
    const char* text;
    double value;  // what is read (when ok)
    size_t stop;   // where reading stops
    std::errc error;
  };
  const Case cases[] = {
      {"1.5", 1.5, 3, std::errc()},
      {"-0.25e2", -25.0, 7, std::errc()},
      {"1e+30", 1e30, 5, std::errc()},
      {"3.0abc", 3.0, 3, std::errc()},  // stops before what is not a number
      {"0x10", 0.0, 1, std::errc()},    // no hexadecimal: the 0, then a stop at x
      {"+1", 0.0, 0, std::errc::invalid_argument},
      {" 1", 0.0, 0, std::errc::invalid_argument},
      {"", 0.0, 0, std::errc::invalid_argument},
      {"e5", 0.0, 0, std::errc::invalid_argument},
      {"1e999", 0.0, 5, std::errc::result_out_of_range},
      {"-1e999", 0.0, 6, std::errc::result_out_of_range},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const char* first = c.text;
    const char* last = c.text + std::strlen(c.text);
    double fallback = 7.0;
    const std::from_chars_result got = ag::io::from_chars_double_by_strtod(first, last, fallback);
    CHECK(got.ec == c.error);
    if (c.error != std::errc::invalid_argument) CHECK(got.ptr - first == long(c.stop));
    CHECK(fallback == (c.error == std::errc() ? c.value : 7.0));  // unchanged on an error
    double either = 7.0;
    const std::from_chars_result used = ag::io::from_chars_double(first, last, either);
    CHECK(used.ec == got.ec);
    CHECK(either == fallback);
#if defined(__cpp_lib_to_chars)
    double standard = 7.0;
    const std::from_chars_result expected = std::from_chars(first, last, standard);
    CHECK(expected.ec == got.ec);
    if (expected.ec != std::errc::invalid_argument) CHECK(expected.ptr == got.ptr);
    CHECK(standard == fallback);
#endif
  }
}

}  // TEST_SUITE("core.io")
