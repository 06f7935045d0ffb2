// tests/fuzz/safetensors_fuzz.cpp: the safetensors reader (see fuzz_harness.h).
// Promise checked: a file that loads, saved again and reloaded, gives the
// same names, metadata and bit-identical values.
#include <cstring>
#include <set>
#include <string_view>

#include "core/error.h"
#include "core/io/safetensors.h"
#include "tests/fuzz/fuzz_harness.h"

bool ag_fuzz_safetensors(const uint8_t* data, size_t size) {
  using namespace ag::io;
  SafetensorsFile file;
  try {
    file = decode_safetensors(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const ag::Error&) {
    return false;
  }
  // Re-encode: I64 tensors stay I64 only if their values allow (F32 otherwise).
  const SafetensorsFile again = decode_safetensors(encode_safetensors(file.tensors, file.metadata));
  ag_fuzz::require(again.metadata == file.metadata, "metadata changed on a round trip");
  ag_fuzz::require(again.tensors.size() == file.tensors.size(),
                   "tensor count changed on a round trip");
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    const ag::Tensor& a = file.tensors[i].second;
    const ag::Tensor& b = again.tensors[i].second;
    ag_fuzz::require(again.tensors[i].first == file.tensors[i].first,
                     "tensor name changed on a round trip");
    ag_fuzz::require(a.shape() == b.shape(), "shape changed on a round trip");
    ag_fuzz::require(a.numel() == 0 || std::memcmp(a.data(), b.data(), size_t(a.numel()) * 4) == 0,
                     "values changed on a round trip");
  }
  return true;
}

AG_FUZZ_ENTRY(ag_fuzz_safetensors)
