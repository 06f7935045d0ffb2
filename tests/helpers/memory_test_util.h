// tests/helpers/memory_test_util.h: how much memory did a call take at its peak?
//
// Linux keeps the process's peak resident size (VmHWM in /proc/self/status)
// and lets a process reset it to the current size by writing "5" to
// /proc/self/clear_refs. So: reset, note VmRSS, run the call, read VmHWM;
// the difference is the most memory the call held at any moment, including
// memory it allocated and freed again before returning.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "core/allocator.h"

namespace ag_test {

// AddressSanitizer pads every allocation with red zones and keeps freed blocks
// in quarantine, so a reader that makes many small allocations peaks several
// times higher under `make asan` than in the release build: a bound on that
// kind of growth is multiplied by this.
constexpr double kSanitizerMemoryFactor = AG_ASAN ? 4.0 : 1.0;  // AG_ASAN: core/allocator.h

// kB from the "<field>:  1234 kB" line of /proc/self/status, or -1.
inline int64_t proc_status_kb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}

class PeakMemory {
 public:
  // Resets the peak. available() is false where /proc does not allow it.
  PeakMemory() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    ok_ = clear.good() && proc_status_kb("VmHWM") >= 0;
    start_kb_ = proc_status_kb("VmRSS");
  }
  bool available() const { return ok_; }
  // How far the peak rose above the resident size at construction, in MB.
  double growth_mb() const { return double(proc_status_kb("VmHWM") - start_kb_) / 1024.0; }

 private:
  bool ok_ = false;
  int64_t start_kb_ = 0;
};

}  // namespace ag_test
