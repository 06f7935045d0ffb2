// tests/fuzz/idx_fuzz.cpp: the IDX readers, raw and gzipped (see fuzz_harness.h).
// Promises checked: what loads is within the default limits (data/idx.h),
// has pixels in every image, and has exactly the size its header states.
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
    ag_fuzz::require(images.count >= 0 && images.count <= kIdxDefaultMaxCount,
                     "count outside the limit");
    ag_fuzz::require(images.rows >= 1 && images.rows <= kIdxDefaultMaxSide && images.cols >= 1 &&
                         images.cols <= kIdxDefaultMaxSide,
                     "rows or cols outside 1..the limit");
    // Within the limits the product fits easily; multiplied as unsigned all
    // the same, so even a reader that broke its limits cannot make the
    // harness itself overflow a signed integer (undefined behaviour).
    const uint64_t expected =
        uint64_t(images.count) * uint64_t(images.rows) * uint64_t(images.cols);
    ag_fuzz::require(images.pixels.size() == expected, "pixels do not match count x rows x cols");
    accepted = true;
  } catch (const ag::Error&) {
  }
  try {
    const std::vector<uint8_t> labels = decode_idx_labels(bytes, "fuzz");
    ag_fuzz::require(labels.size() <= size_t(kIdxDefaultMaxCount), "more labels than the limit");
    for (uint8_t label : labels) ag_fuzz::require(label < 10, "label out of range");
    accepted = true;
  } catch (const ag::Error&) {
  }
  return accepted;
}

AG_FUZZ_ENTRY(ag_fuzz_idx)
