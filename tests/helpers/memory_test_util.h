// tests/helpers/memory_test_util.h: how much memory did a call take at its peak?
//
// The system keeps the process's peak resident size, and Linux lets a process
// reset it to the current size (platform.h hides how). So: reset, note the
// resident size, run the call, read the peak; the difference is the most
// memory the call held at any moment, including memory it allocated and freed
// again before returning.
#pragma once

#include <cstdint>

#include "core/allocator.h"
#include "tests/helpers/platform.h"

namespace ag_test {

// AddressSanitizer pads every allocation with red zones and keeps freed blocks
// in quarantine, so a reader that makes many small allocations peaks several
// times higher under `make asan` than in the release build: a bound on that
// kind of growth is multiplied by this.
constexpr double kSanitizerMemoryFactor = AG_ASAN ? 4.0 : 1.0;  // AG_ASAN: core/allocator.h

class PeakMemory {
 public:
  // Resets the peak. available() is false where the system does not allow it.
  PeakMemory() {
    ok_ = platform::reset_peak();
    start_bytes_ = platform::current_resident_bytes();
  }
  bool available() const { return ok_; }
  // How far the peak rose above the resident size at construction, in MB.
  double growth_mb() const {
    return double(platform::peak_resident_bytes() - start_bytes_) / (1024.0 * 1024.0);
  }

 private:
  bool ok_ = false;
  int64_t start_bytes_ = 0;
};

}  // namespace ag_test
