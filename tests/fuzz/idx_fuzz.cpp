// tests/fuzz/idx_fuzz.cpp: the IDX readers, raw and gzipped (see fuzz_harness.h).
// Promise checked: what loads has exactly the size its header states.
#include <vector>

#include "core/error.h"
#include "data/idx.h"
#include "tests/fuzz/fuzz_harness.h"

bool ag_fuzz_idx(const uint8_t* data, size_t size) {
  using namespace ag::data;
  const std::vector<uint8_t> bytes(data, data + size);
  bool accepted = false;
  try {
    const IdxImages images = decode_idx_images(bytes, "fuzz");
    ag_fuzz::require(images.pixels.size() == uint64_t(images.count * images.rows * images.cols),
                     "pixels do not match count x rows x cols");
    accepted = true;
  } catch (const ag::Error&) {
  }
  try {
    decode_idx_labels(bytes, "fuzz");
    accepted = true;
  } catch (const ag::Error&) {
  }
  return accepted;
}

AG_FUZZ_ENTRY(ag_fuzz_idx)
