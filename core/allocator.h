// core/allocator.h: the caching allocator behind every tensor's memory.
//
// A training step asks for the same buffers every time: the activations of
// each layer, their gradients, the conv's scratch. Asking the C library for
// each one again is slow for big buffers: glibc hands out anything of 32 MB or
// more (and, at first, anything over 128 KB) as a fresh mmap, so every call
// pays a page fault per 4 KB page and the kernel zeroes each page, and the
// free() gives it all back to be faulted again next step. In a VM that alone
// can double a step's time.
//
// So, like PyTorch's CUDA caching allocator, we keep freed blocks instead of
// returning them: a free puts the block on a free list for its size class,
// and the next request of that class takes it back, already faulted in. The
// statistics (memory_stats()) make that visible:
//
//     ag::MemoryStats s = ag::memory_stats();
//     std::cout << s;   // in use 12.0 MB, cached 40.5 MB, peak 52.5 MB, 310 allocations, 298 cache
//     hits
//
// Rules a student can check in allocator.cpp:
//   - sizes are rounded up to a size class (512-byte steps up to 1 MB, then
//     four classes per power of two), so a block fits every request of its class;
//   - every block is 64-byte aligned (a cache line, and an AVX-512 vector);
//   - memory is handed out uninitialised: only zeros()/full() fill;
//   - the cache holds at most cache_limit() bytes; a free past that goes back
//     to the system, and empty_cache() returns everything cached;
//   - if the system refuses a block, the cache is emptied and the request
//     retried once before an OutOfMemoryError naming the bytes (the tensor
//     factories turn that into one naming the op, the shape and the bytes);
//   - one mutex guards the lists: pool workers and the DataLoader's thread
//     allocate too;
//   - AG_ALLOCATOR=system (or set_allocator_mode) skips the cache, so the
//     difference can be measured (`make bench`) and taught;
//   - under AddressSanitizer, cached blocks are poisoned, so a use of a freed
//     tensor's memory is still reported (as use-after-poison);
//   - with NaN fill on (debug and asan builds, the test suite, or
//     AG_ALLOCATOR_NAN=1) every block handed out is filled with NaN, so a
//     kernel that forgets to zero an accumulator fails its tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>

#include "core/error.h"

// AG_ASAN is 1 when compiled with -fsanitize=address (g++ or clang).
#if defined(__SANITIZE_ADDRESS__)
#define AG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AG_ASAN 1
#endif
#endif
#ifndef AG_ASAN
#define AG_ASAN 0
#endif

namespace ag {

// A request the allocator cannot serve: "allocator: cannot allocate N bytes
// ...". An ag::Error rather than a bare std::bad_alloc, so the message says
// how much was asked; the tensor factories catch it to add the op and shape.
class OutOfMemoryError : public Error {
 public:
  using Error::Error;
};

// What the allocator is doing, in bytes of whole blocks (a request of 100
// bytes holds a 512-byte block). Counters run from program start;
// reset_peak_memory_stats() restarts only the peak.
struct MemoryStats {
  int64_t bytes_in_use = 0;       // blocks handed out and not yet freed
  int64_t bytes_cached = 0;       // freed blocks kept on the free lists
  int64_t peak_bytes_in_use = 0;  // the highest bytes_in_use has been
  int64_t allocations = 0;        // allocate_block calls (of more than 0 bytes)
  int64_t cache_hits = 0;         // of those, served from a free list
  int64_t bytes_allocated = 0;    // the sum of the block sizes handed out
};
MemoryStats memory_stats();
std::ostream& operator<<(std::ostream& os, const MemoryStats& stats);

void reset_peak_memory_stats();  // peak := bytes in use now
void empty_cache();              // return every cached block to the system

// Caching (the default) or System: every allocate/free goes to the C library.
enum class AllocatorMode { Caching, System };
// Read from AG_ALLOCATOR ("caching" or "system") on first use; an unknown
// value throws ag::Error naming it (every time, until set_allocator_mode).
AllocatorMode allocator_mode();
AllocatorMode parse_allocator_mode(const char* value);
void set_allocator_mode(AllocatorMode mode);  // switching to System empties the cache

// The most bytes the cache keeps (default 1 GiB, or AG_CACHE_LIMIT_MB).
int64_t cache_limit();
void set_cache_limit(int64_t bytes);  // trims the cache to the new limit at once

// Fill every block handed out with NaN (see the top comment).
bool nan_fill();
void set_nan_fill(bool on);

// The size class a request of `bytes` is served from (0 for 0).
size_t block_size_for(size_t bytes);

// The raw interface. allocate_block returns a 64-byte aligned block of at
// least `bytes` (nullptr for 0) and stores its real size in *block_bytes;
// free_block needs that size back. Throws OutOfMemoryError (an ag::Error
// naming the bytes) for a size no object can have, or when the system has no
// memory even after the cache was emptied.
void* allocate_block(size_t bytes, size_t* block_bytes);
void free_block(void* ptr, size_t block_bytes);

// An owning, move-only array of floats from the allocator: what a Storage
// holds, and what kernels use for scratch. Uninitialised unless a fill value
// is given.
class FloatBuffer {
 public:
  FloatBuffer() = default;
  explicit FloatBuffer(int64_t count);
  FloatBuffer(int64_t count, float value);
  ~FloatBuffer();
  FloatBuffer(FloatBuffer&& other) noexcept;
  FloatBuffer& operator=(FloatBuffer&& other) noexcept;
  FloatBuffer(const FloatBuffer&) = delete;
  FloatBuffer& operator=(const FloatBuffer&) = delete;

  float* data() { return data_; }
  const float* data() const { return data_; }
  int64_t size() const { return size_; }
  float& operator[](int64_t i) { return data_[i]; }
  float operator[](int64_t i) const { return data_[i]; }
  float* begin() { return data_; }
  float* end() { return data_ + size_; }
  const float* begin() const { return data_; }
  const float* end() const { return data_ + size_; }

 private:
  float* data_ = nullptr;
  int64_t size_ = 0;
  size_t block_bytes_ = 0;  // the block's real size, for free_block
};

// While alive, allocator_mode() is `mode`; the previous mode comes back after.
class AllocatorModeGuard {
 public:
  explicit AllocatorModeGuard(AllocatorMode mode);
  ~AllocatorModeGuard();
  AllocatorModeGuard(const AllocatorModeGuard&) = delete;
  AllocatorModeGuard& operator=(const AllocatorModeGuard&) = delete;

 private:
  AllocatorMode previous_;
};

}  // namespace ag
