// tests/helpers/io_test_util.h: helpers for the core.io suites (test_io*.cpp):
// a scratch directory, error-message checks, bytes written out by hand.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>

#include "core/error.h"
#include "core/tensor.h"
#include "tests/helpers/test_util.h"  // error_of, CHECK_FAILS_WITH

namespace ag_test {

// A fresh directory under /tmp, removed with everything in it at scope exit.
struct TempDir {
  std::string path;
  TempDir() {
    char pattern[] = "/tmp/attograd_io_XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
  // Names in the directory containing ".tmp.": leftovers of an atomic write.
  int temp_files() const {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(path))
      if (entry.path().filename().string().find(".tmp.") != std::string::npos) ++n;
    return n;
  }
};

// Bytes spelled out one by one: bytes({0x93, 'N', 'U'}).
inline std::string bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s += static_cast<char>(v);
  return s;
}

// Same shape and the same bits in every element (so -0, inf and NaN count too).
inline bool bit_equal(const ag::Tensor& a, const ag::Tensor& b) {
  return a.shape() == b.shape() &&
         (a.numel() == 0 ||
          std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * 4) == 0);
}

}  // namespace ag_test
