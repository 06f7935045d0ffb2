// tests/fuzz/npy_fuzz.cpp: the .npy reader (see fuzz_harness.h).
// Promise checked: an array that loads, saved again and reloaded, gives the
// same shape and bit-identical values.
#include <cstring>
#include <string_view>

#include "core/error.h"
#include "core/io/npy.h"
#include "tests/fuzz/fuzz_harness.h"

bool ag_fuzz_npy(const uint8_t* data, size_t size) {
  ag::Tensor t;
  try {
    t = ag::io::decode_npy(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const ag::Error&) {
    return false;
  }
  const ag::Tensor again = ag::io::decode_npy(ag::io::encode_npy(t));
  ag_fuzz::require(again.shape() == t.shape(), "shape changed on a round trip");
  ag_fuzz::require(
      t.numel() == 0 || std::memcmp(t.data(), again.data(), size_t(t.numel()) * 4) == 0,
      "values changed on a round trip");
  return true;
}

AG_FUZZ_ENTRY(ag_fuzz_npy)
