// core/allocator.cpp: size classes, free lists, statistics (see allocator.h).
//
// The whole allocator is one struct under one mutex:
//
//   free_lists   size class -> the cached blocks of exactly that size
//   stats        bytes in use / cached / peak, counters
//
// allocate_block(bytes):  round bytes up to its class; pop a cached block of
//                         that class if there is one (a "hit"), else ask the
//                         system for a new one (a "miss").
// free_block(p, size):    push p onto its class's list, unless the cache would
//                         pass its limit (then older cached blocks go back
//                         to the system first) or the mode is System.
//
// There is no splitting or merging of blocks (PyTorch's CUDA allocator does
// both): a training step asks for the same sizes every time, so whole blocks
// of a size class are reused well enough, and the code stays short.
#include "core/allocator.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <new>
#include <ostream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"

#if AG_ASAN
#include <sanitizer/asan_interface.h>
// Poisoned memory makes ASan report any read or write of it.
#define AG_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define AG_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define AG_POISON(p, n) ((void)(p), (void)(n))
#define AG_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace ag {

namespace {

constexpr size_t kAlignment = 64;                         // a cache line; an AVX-512 register
constexpr size_t kSmallStep = 512;                        // class spacing up to kSmallLimit
constexpr size_t kSmallLimit = size_t(1) << 20;           // 1 MiB
constexpr int64_t kDefaultCacheLimit = int64_t(1) << 30;  // 1 GiB

// No object can be larger than PTRDIFF_MAX bytes (a pointer difference
// across it must fit), so a larger request is refused before the system is
// asked: some allocators (AddressSanitizer's among them) stop the program
// on such a request instead of returning null.
constexpr size_t kMaxBlockBytes = static_cast<size_t>(std::numeric_limits<std::ptrdiff_t>::max());

// n rounded up to a multiple of step (a power of two); an OutOfMemoryError
// past SIZE_MAX, where the rounded size would wrap around to a small one.
size_t round_up(size_t n, size_t step) {
  if (n > std::numeric_limits<size_t>::max() - (step - 1))
    throw OutOfMemoryError(
        message("allocator: cannot allocate ", n, " bytes: rounded up to a multiple of ", step,
                " it passes the largest size_t (", std::numeric_limits<size_t>::max(), ")"));
  return (n + step - 1) & ~(step - 1);
}

void* system_allocate(size_t bytes) {
  return ::operator new (bytes, std::align_val_t{kAlignment}, std::nothrow);
}
void system_free(void* ptr) { ::operator delete (ptr, std::align_val_t{kAlignment}); }

struct Allocator {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  MemoryStats stats;
};

// Never destroyed: a tensor held by a static object may be freed after main
// returns, and must still find the allocator. The cached blocks stay
// reachable from here, so a leak checker does not count them.
Allocator& the_allocator() {
  static Allocator* allocator = new Allocator;
  return *allocator;
}

// Unlinks cached blocks until at most `limit` bytes stay cached; returns them
// so the caller frees them after unlocking. Caller holds the mutex.
std::vector<void*> take_blocks_over(Allocator& a, int64_t limit) {
  std::vector<void*> released;
  for (auto it = a.free_lists.begin(); it != a.free_lists.end() && a.stats.bytes_cached > limit;) {
    std::vector<void*>& blocks = it->second;
    while (!blocks.empty() && a.stats.bytes_cached > limit) {
      released.push_back(blocks.back());
      blocks.pop_back();
      a.stats.bytes_cached -= static_cast<int64_t>(it->first);
      AG_UNPOISON(released.back(), it->first);
    }
    it = blocks.empty() ? a.free_lists.erase(it) : std::next(it);
  }
  return released;
}

void release(const std::vector<void*>& blocks) {
  for (void* p : blocks) system_free(p);
}

// The settings below start at "not decided" and read their environment
// variable on first use, as AG_KERNELS and AG_NUM_THREADS do.
std::atomic<int> g_mode{0};      // 0: read AG_ALLOCATOR; else 1 + AllocatorMode
std::atomic<int> g_nan_fill{0};  // 0: read AG_ALLOCATOR_NAN; 1 off; 2 on
std::atomic<int64_t> g_cache_limit{kDefaultCacheLimit};

// The mode for a free: never throws (a destructor calls it), and a mode not
// yet decided means nothing can have been cached.
bool caching_for_free() { return g_mode.load() == 1 + static_cast<int>(AllocatorMode::Caching); }

void fill_nan(void* ptr, size_t bytes) {
  std::fill_n(static_cast<float*>(ptr), bytes / sizeof(float),
              std::numeric_limits<float>::quiet_NaN());
}

}  // namespace

// ---------------------------------------------------------------- settings
AllocatorMode parse_allocator_mode(const char* value) {
  if (value == nullptr || *value == '\0') return AllocatorMode::Caching;
  const std::string text(value);
  if (text == "caching") return AllocatorMode::Caching;
  if (text == "system") return AllocatorMode::System;
  fail("AG_ALLOCATOR: unknown value '", text, "' (expected 'caching' or 'system')");
}

AllocatorMode allocator_mode() {
  int state = g_mode.load();
  if (state != 0) return static_cast<AllocatorMode>(state - 1);
  // A bad value throws here and is not remembered, so every allocation reports it.
  AllocatorMode mode = parse_allocator_mode(std::getenv("AG_ALLOCATOR"));
  int expected = 0;
  g_mode.compare_exchange_strong(expected, 1 + static_cast<int>(mode));
  return static_cast<AllocatorMode>(g_mode.load() - 1);
}

void set_allocator_mode(AllocatorMode mode) {
  g_mode.store(1 + static_cast<int>(mode));
  if (mode == AllocatorMode::System) empty_cache();
}

AllocatorModeGuard::AllocatorModeGuard(AllocatorMode mode) : previous_(allocator_mode()) {
  set_allocator_mode(mode);
}
AllocatorModeGuard::~AllocatorModeGuard() { set_allocator_mode(previous_); }

bool nan_fill() {
  int state = g_nan_fill.load();
  if (state != 0) return state == 2;
  const char* env = std::getenv("AG_ALLOCATOR_NAN");
  bool on;
  if (env == nullptr || *env == '\0') {
#ifdef NDEBUG
    on = false;  // release builds: memory is handed out as it is
#else
    on = true;  // debug and asan builds: a missed zero-init shows up as NaN
#endif
  } else if (std::string(env) == "1") {
    on = true;
  } else if (std::string(env) == "0") {
    on = false;
  } else {
    fail("AG_ALLOCATOR_NAN: unknown value '", env, "' (expected '0' or '1')");
  }
  int expected = 0;
  g_nan_fill.compare_exchange_strong(expected, on ? 2 : 1);
  return g_nan_fill.load() == 2;
}

void set_nan_fill(bool on) { g_nan_fill.store(on ? 2 : 1); }

int64_t cache_limit() { return g_cache_limit.load(); }

void set_cache_limit(int64_t bytes) {
  if (bytes < 0) fail("set_cache_limit: limit must be >= 0 bytes, got ", bytes);
  g_cache_limit.store(bytes);
  Allocator& a = the_allocator();
  std::vector<void*> released;
  {
    std::lock_guard<std::mutex> lock(a.mutex);
    released = take_blocks_over(a, bytes);
  }
  release(released);
}

// ---------------------------------------------------------------- size classes
size_t block_size_for(size_t bytes) {
  if (bytes == 0) return 0;
  // Small blocks: 512-byte steps (a bias of 10 floats takes 512 bytes).
  if (bytes <= kSmallLimit) return round_up(bytes, kSmallStep);
  // Large blocks: four classes per power of two (2^k, 1.25, 1.5, 1.75 × 2^k),
  // so a block is never more than 25% larger than its request. Pages of the
  // unused tail are never touched, so they cost address space, not RAM.
  return round_up(bytes, std::bit_floor(bytes) / 4);
}

// ---------------------------------------------------------------- allocate / free
// Book-keeping of a block handed out. Caller holds the mutex.
void count_allocation(MemoryStats& s, size_t size, bool hit) {
  ++s.allocations;
  s.cache_hits += hit ? 1 : 0;
  s.bytes_allocated += static_cast<int64_t>(size);
  s.bytes_in_use += static_cast<int64_t>(size);
  s.peak_bytes_in_use = std::max(s.peak_bytes_in_use, s.bytes_in_use);
}

void* allocate_block(size_t bytes, size_t* block_bytes) {
  *block_bytes = 0;
  if (bytes == 0) return nullptr;
  const bool caching = allocator_mode() == AllocatorMode::Caching;
  const size_t size = caching ? block_size_for(bytes) : bytes;  // System: exactly what was asked
  if (size > kMaxBlockBytes)
    throw OutOfMemoryError(message("allocator: cannot allocate ", bytes, " bytes (a block of ",
                                   size, "): larger than any object can be (", kMaxBlockBytes,
                                   " bytes)"));
  Allocator& a = the_allocator();
  void* ptr = nullptr;
  {
    std::lock_guard<std::mutex> lock(a.mutex);
    auto it = caching ? a.free_lists.find(size) : a.free_lists.end();
    if (it != a.free_lists.end() && !it->second.empty()) {  // a hit: reuse a cached block
      ptr = it->second.back();
      it->second.pop_back();
      a.stats.bytes_cached -= static_cast<int64_t>(size);
      count_allocation(a.stats, size, true);
    }
  }
  if (ptr == nullptr) {  // a miss: a new block from the system (outside the lock: it may be slow)
    ptr = system_allocate(size);
    if (ptr == nullptr) {  // the cache may be holding the memory we need
      empty_cache();
      ptr = system_allocate(size);
    }
    if (ptr == nullptr)
      throw OutOfMemoryError(message("allocator: cannot allocate ", bytes, " bytes (a block of ",
                                     size,
                                     "): the system refused it, even after the cache was emptied"));
    AG_POISON(ptr, size);  // the tail past `bytes` stays poisoned: overflows are still caught
    std::lock_guard<std::mutex> lock(a.mutex);
    count_allocation(a.stats, size, false);
  }
  AG_UNPOISON(ptr, bytes);
  if (nan_fill()) fill_nan(ptr, bytes);
  *block_bytes = size;
  return ptr;
}

void free_block(void* ptr, size_t block_bytes) {
  if (ptr == nullptr) return;
  const auto size = static_cast<int64_t>(block_bytes);
  // Only whole size-class blocks are cached: one allocated in System mode has
  // its exact request size, which no later request would look up.
  bool keep =
      caching_for_free() && block_size_for(block_bytes) == block_bytes && size <= cache_limit();
  Allocator& a = the_allocator();
  std::vector<void*> released;
  {
    std::lock_guard<std::mutex> lock(a.mutex);
    a.stats.bytes_in_use -= size;
    if (keep) {
      try {
        // Make room by returning older blocks: the one just freed is the likeliest to be asked for.
        released = take_blocks_over(a, cache_limit() - size);
        a.free_lists[block_bytes].push_back(ptr);
        // Poisoned before the lock opens: from then on another thread may take it.
        AG_POISON(ptr, block_bytes);
        a.stats.bytes_cached += size;
      } catch (const std::bad_alloc&) {  // no room for the list entry: give the block back instead
        keep = false;
      }
    }
  }
  if (!keep) {
    AG_UNPOISON(ptr, block_bytes);
    system_free(ptr);
  }
  release(released);
}

// ---------------------------------------------------------------- statistics
MemoryStats memory_stats() {
  Allocator& a = the_allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  return a.stats;
}

void reset_peak_memory_stats() {
  Allocator& a = the_allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  a.stats.peak_bytes_in_use = a.stats.bytes_in_use;
}

void empty_cache() {
  Allocator& a = the_allocator();
  std::vector<void*> released;
  {
    std::lock_guard<std::mutex> lock(a.mutex);
    released = take_blocks_over(a, 0);
  }
  release(released);
}

std::ostream& operator<<(std::ostream& os, const MemoryStats& s) {
  auto mib = [](int64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    return std::string(text);
  };
  return os << "in use " << mib(s.bytes_in_use) << ", cached " << mib(s.bytes_cached) << ", peak "
            << mib(s.peak_bytes_in_use) << ", " << s.allocations << " allocations, " << s.cache_hits
            << " cache hits";
}

// ---------------------------------------------------------------- FloatBuffer
FloatBuffer::FloatBuffer(int64_t count) : size_(count) {
  if (count < 0 ||
      static_cast<uint64_t>(count) > std::numeric_limits<size_t>::max() / sizeof(float))
    throw OutOfMemoryError(message("allocator: cannot allocate a buffer of ", count,
                                   " floats: its size in bytes ",
                                   count < 0 ? "is negative" : "overflows size_t"));
  data_ = static_cast<float*>(
      allocate_block(static_cast<size_t>(count) * sizeof(float), &block_bytes_));
}

FloatBuffer::FloatBuffer(int64_t count, float value) : FloatBuffer(count) {
  std::fill_n(data_, size_, value);
}

FloatBuffer::~FloatBuffer() { free_block(data_, block_bytes_); }

FloatBuffer::FloatBuffer(FloatBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      block_bytes_(std::exchange(other.block_bytes_, 0)) {}

FloatBuffer& FloatBuffer::operator=(FloatBuffer&& other) noexcept {
  if (this != &other) {
    free_block(data_, block_bytes_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    block_bytes_ = std::exchange(other.block_bytes_, 0);
  }
  return *this;
}

}  // namespace ag
