// The kernel switch: an atomic state, resolved from AG_KERNELS on first use.
#include "core/kernels/kernel_mode.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "core/error.h"

namespace ag {

namespace {

// 0: not chosen yet (look at the environment), else 1 + int(Kernels).
// Atomic because worker threads may ask while the main thread sets it.
std::atomic<int> g_state{0};

int encode(Kernels mode) { return 1 + static_cast<int>(mode); }

}  // namespace

Kernels parse_kernels(const char* value) {
  if (value == nullptr || *value == '\0') return Kernels::Fast;
  const std::string text(value);
  if (text == "fast") return Kernels::Fast;
  if (text == "naive") return Kernels::Naive;
  fail("AG_KERNELS: unknown value '", text, "' (expected 'fast' or 'naive')");
}

void set_kernels(Kernels mode) { g_state.store(encode(mode)); }

Kernels kernels() {
  int state = g_state.load();
  if (state != 0) return static_cast<Kernels>(state - 1);
  // A bad value throws here and is not cached, so every use reports it.
  Kernels mode = parse_kernels(std::getenv("AG_KERNELS"));
  int expected = 0;
  g_state.compare_exchange_strong(expected, encode(mode));
  return static_cast<Kernels>(g_state.load() - 1);
}

std::string kernels_name(Kernels mode) { return mode == Kernels::Naive ? "naive" : "fast"; }

KernelsGuard::KernelsGuard(Kernels mode) : previous_(g_state.load()) { set_kernels(mode); }
KernelsGuard::~KernelsGuard() { g_state.store(previous_); }

}  // namespace ag
