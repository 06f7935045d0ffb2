// tests/fuzz/gzip_fuzz.cpp: gunzip and raw inflate (see fuzz_harness.h).
// Output is capped at 16 MiB, as a reader's caller would cap it.
// Promises checked: gunzip_head(n) is the first n bytes of what gunzip gives,
// and the limit holds: a cap one byte below a success is refused.
#include <algorithm>
#include <vector>

#include "core/error.h"
#include "data/inflate.h"
#include "tests/fuzz/fuzz_harness.h"

bool ag_fuzz_gzip(const uint8_t* data, size_t size) {
  using namespace ag::data;
  constexpr size_t kCap = size_t{16} << 20;
  const std::vector<uint8_t> bytes(data, data + size);
  try {  // the same bytes as a bare DEFLATE stream
    inflate_raw(bytes, "fuzz", kCap);
  } catch (const ag::Error&) {
  }
  std::vector<uint8_t> out;
  try {
    out = gunzip(bytes, "fuzz", kCap);
  } catch (const ag::Error&) {
    return false;
  }
  const size_t n = std::min<size_t>(out.size(), 100);
  const std::vector<uint8_t> head = gunzip_head(bytes, "fuzz", n);
  ag_fuzz::require(head.size() >= n && std::equal(out.begin(), out.begin() + n, head.begin()),
                   "gunzip_head is not a prefix of gunzip");
  if (!out.empty()) {
    bool refused = false;
    try {
      gunzip(bytes, "fuzz", out.size() - 1);
    } catch (const InflateLimitError&) {
      refused = true;
    }
    ag_fuzz::require(refused, "output one byte over the limit was not refused");
  }
  return true;
}

AG_FUZZ_ENTRY(ag_fuzz_gzip)
