// tests/core/test_allocator.cpp: the caching allocator (core/allocator.h).
//
// Expected block sizes are worked by hand from the rules: 512-byte steps up
// to 1 MiB, then four classes per power of two. Statistics are checked as
// exact differences from a snapshot taken after empty_cache(), so tensors
// other suites left alive do not matter.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <new>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/ag.h"
#include "tests/helpers/test_util.h"

#if AG_ASAN
#include <sys/wait.h>
#include <unistd.h>
#endif

using ag::AllocatorMode;
using ag::FloatBuffer;

namespace {

constexpr int64_t KiB = 1024, MiB = 1024 * 1024;

// Restores the settings a test changes, even when it fails.
struct SettingsGuard {
  ag::AllocatorModeGuard mode{AllocatorMode::Caching};
  int64_t limit = ag::cache_limit();
  bool fill = ag::nan_fill();
  SettingsGuard() { ag::empty_cache(); }
  ~SettingsGuard() {
    ag::set_cache_limit(limit);
    ag::set_nan_fill(fill);
  }
};

bool aligned_64(const void* p) { return reinterpret_cast<uintptr_t>(p) % 64 == 0; }

}  // namespace

TEST_SUITE("core.allocator") {
TEST_CASE("size classes: 512-byte steps up to 1 MiB, then four per power of two") {
  CHECK(ag::block_size_for(0) == 0);
  CHECK(ag::block_size_for(1) == 512);
  CHECK(ag::block_size_for(512) == 512);
  CHECK(ag::block_size_for(513) == 1024);
  CHECK(ag::block_size_for(4000) == 4096);
  CHECK(ag::block_size_for(MiB) == MiB);
  CHECK(ag::block_size_for(MiB + 1) == MiB + 256 * KiB);  // 1.25 MiB
  CHECK(ag::block_size_for(1200000) == 5 * 256 * KiB);    // 1.14 MiB -> 1.25 MiB
  CHECK(ag::block_size_for(5 * MiB) == 5 * MiB);          // 1.25 × 4 MiB exactly
  CHECK(ag::block_size_for(6 * MiB + 1) == 7 * MiB);      // 1.5 × 4 MiB < x <= 1.75 × 4 MiB
  CHECK(ag::block_size_for(7 * MiB + 1) == 8 * MiB);
  CHECK(ag::block_size_for(32 * MiB) == 32 * MiB);
  CHECK(ag::block_size_for(38 * MiB) == 40 * MiB);  // im2col-sized: 1.25 × 32 MiB
}

TEST_CASE("a freed block is reused by the next request of its class") {
  SettingsGuard settings;
  const ag::MemoryStats before = ag::memory_stats();
  const float* first;
  {
    FloatBuffer a(1000);
    first = a.data();
  }
  FloatBuffer b(1010);  // 4040 bytes: the same 4096-byte class
  const ag::MemoryStats after = ag::memory_stats();
  CHECK(b.data() == first);
  CHECK(after.allocations - before.allocations == 2);
  CHECK(after.cache_hits - before.cache_hits == 1);

  // The same through tensors: a dropped activation's memory is the next one's.
  ag::Tensor x = ag::randn({64, 64});
  const float* x_memory = x.data();
  x = ag::Tensor();
  ag::Tensor y = ag::empty({64, 64});
  CHECK(y.data() == x_memory);
}

TEST_CASE("statistics after a known sequence") {
  SettingsGuard settings;
  ag::reset_peak_memory_stats();
  const ag::MemoryStats base = ag::memory_stats();
  CHECK(base.bytes_cached == 0);
  CHECK(base.peak_bytes_in_use == base.bytes_in_use);
  const int64_t small = 512, medium = 4096, large = 5 * 256 * KiB;  // for 400, 4000, 1.2e6 bytes
  {
    FloatBuffer a(100), c(300000);
    {
      FloatBuffer b(1000);
      ag::MemoryStats s = ag::memory_stats();
      CHECK(s.bytes_in_use - base.bytes_in_use == small + medium + large);
      CHECK(s.peak_bytes_in_use - base.bytes_in_use == small + medium + large);
      CHECK(s.bytes_cached == 0);
      CHECK(s.allocations - base.allocations == 3);
      CHECK(s.cache_hits - base.cache_hits == 0);
      CHECK(s.bytes_allocated - base.bytes_allocated == small + medium + large);
    }
    ag::MemoryStats s = ag::memory_stats();  // b is cached, not returned
    CHECK(s.bytes_in_use - base.bytes_in_use == small + large);
    CHECK(s.bytes_cached == medium);
    FloatBuffer d(1024);  // 4096 bytes: takes b's block back
    s = ag::memory_stats();
    CHECK(s.bytes_cached == 0);
    CHECK(s.cache_hits - base.cache_hits == 1);
    CHECK(s.allocations - base.allocations == 4);
    CHECK(s.bytes_allocated - base.bytes_allocated == small + 2 * medium + large);
  }
  ag::MemoryStats s = ag::memory_stats();
  CHECK(s.bytes_in_use == base.bytes_in_use);
  CHECK(s.bytes_cached == small + medium + large);
  CHECK(s.peak_bytes_in_use - base.bytes_in_use == small + medium + large);  // never more at once
  ag::reset_peak_memory_stats();
  CHECK(ag::memory_stats().peak_bytes_in_use == base.bytes_in_use);

  std::ostringstream printed;
  printed << ag::MemoryStats{3 * MiB / 2, 512, 2 * MiB, 7, 5, 4 * MiB};
  CHECK(printed.str() ==
        "in use 1.5 MiB, cached 0.0 MiB, peak 2.0 MiB, 7 allocations, 5 cache hits");
}

TEST_CASE("empty_cache returns every cached block") {
  SettingsGuard settings;
  { FloatBuffer a(10), b(100000), c(3 * MiB); }
  CHECK(ag::memory_stats().bytes_cached == 512 + 400384 + 12 * MiB);  // 400000 -> 782 × 512
  ag::empty_cache();
  CHECK(ag::memory_stats().bytes_cached == 0);
  const int64_t hits = ag::memory_stats().cache_hits;
  FloatBuffer again(100000);
  CHECK(ag::memory_stats().cache_hits == hits);  // nothing left to hit
}

TEST_CASE("the cache keeps at most cache_limit() bytes") {
  SettingsGuard settings;
  ag::set_cache_limit(10 * KiB);
  { FloatBuffer big(4 * KiB); }  // 16 KiB: over the limit, straight back to the system
  CHECK(ag::memory_stats().bytes_cached == 0);
  { FloatBuffer a(1024), b(1024); }  // 4 KiB each: both fit
  CHECK(ag::memory_stats().bytes_cached == 8 * KiB);
  { FloatBuffer c(1536); }  // 6 KiB: older blocks go back to make room for it
  CHECK(ag::memory_stats().bytes_cached == 6 * KiB + 4 * KiB);
  ag::set_cache_limit(5 * KiB);  // trims at once
  CHECK(ag::memory_stats().bytes_cached <= 5 * KiB);
  CHECK_FAILS_WITH(ag::set_cache_limit(-1), "set_cache_limit: limit must be >= 0 bytes, got -1");
}

TEST_CASE("every block is 64-byte aligned, in both modes") {
  SettingsGuard settings;
  for (AllocatorMode mode : {AllocatorMode::Caching, AllocatorMode::System}) {
    ag::AllocatorModeGuard guard(mode);
    for (int64_t count : {1, 3, 17, 1000, 262145, 3 * 262144 + 5}) {
      FloatBuffer buffer(count);
      CHECK(aligned_64(buffer.data()));
      CHECK(aligned_64(ag::empty({count}).data()));
    }
  }
}

TEST_CASE("AG_ALLOCATOR=system: every block comes from and goes back to the system") {
  SettingsGuard settings;
  { FloatBuffer warm(1000); }
  CHECK(ag::memory_stats().bytes_cached == 4096);
  ag::AllocatorModeGuard system(AllocatorMode::System);
  CHECK(ag::memory_stats().bytes_cached == 0);  // switching empties the cache
  const ag::MemoryStats before = ag::memory_stats();
  for (int i = 0; i < 3; ++i) {
    FloatBuffer b(1000);
    CHECK(ag::memory_stats().bytes_in_use - before.bytes_in_use == 4000);  // exactly the request
  }
  const ag::MemoryStats after = ag::memory_stats();
  CHECK(after.allocations - before.allocations == 3);
  CHECK(after.cache_hits == before.cache_hits);
  CHECK(after.bytes_cached == 0);
  CHECK(after.bytes_in_use == before.bytes_in_use);

  CHECK(ag::parse_allocator_mode(nullptr) == AllocatorMode::Caching);
  CHECK(ag::parse_allocator_mode("") == AllocatorMode::Caching);
  CHECK(ag::parse_allocator_mode("caching") == AllocatorMode::Caching);
  CHECK(ag::parse_allocator_mode("system") == AllocatorMode::System);
  CHECK(ag_test::error_of([] { ag::parse_allocator_mode("malloc"); }) ==
        "AG_ALLOCATOR: unknown value 'malloc' (expected 'caching' or 'system')");
}

TEST_CASE("a block of System mode freed in Caching mode is not cached under a wrong class") {
  SettingsGuard settings;
  FloatBuffer odd;
  {
    ag::AllocatorModeGuard system(AllocatorMode::System);
    odd = FloatBuffer(1000);  // a 4000-byte block, not a 4096-byte class block
  }
  odd = FloatBuffer();
  CHECK(ag::memory_stats().bytes_cached == 0);
}

TEST_CASE("thread safety: pool workers and plain threads allocating at once") {
  SettingsGuard settings;
  ag::set_nan_fill(false);
  const ag::MemoryStats before = ag::memory_stats();
  // Each thread writes its own tag into every block and reads it back before
  // freeing: a block handed to two owners at once would show the other's tag.
  std::atomic<int64_t> corrupted{0}, calls{0};
  auto hammer = [&](int tag, int rounds) {
    std::vector<FloatBuffer> held;
    for (int r = 0; r < rounds; ++r) {
      const int64_t count = 1 + (r * 37 + tag * 11) % 3000;  // a few dozen classes
      held.emplace_back(count);
      std::fill(held.back().begin(), held.back().end(), float(tag));
      calls.fetch_add(1);
      if (held.size() > 4) {  // free in a different order than allocated
        for (float v : held.front()) corrupted.fetch_add(v != float(tag));
        held.erase(held.begin());
      }
    }
    for (auto& b : held)
      for (float v : b) corrupted.fetch_add(v != float(tag));
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(hammer, 100 + t, 2000);
  ag::parallel_for(0, 64, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) hammer(static_cast<int>(i), 50);
  });
  for (auto& t : threads) t.join();
  const ag::MemoryStats after = ag::memory_stats();
  CHECK(corrupted.load() == 0);
  CHECK(after.allocations - before.allocations == calls.load());
  CHECK(after.bytes_in_use == before.bytes_in_use);                // every block came back
  CHECK(after.cache_hits - before.cache_hits > calls.load() / 2);  // and most were reused
}

TEST_CASE("empty() is uninitialised; zeros() and full() fill; NaN fill shows a missed zero") {
  SettingsGuard settings;
  ag::set_nan_fill(true);
  { ag::Tensor dirty = ag::full({100}, 7.0f); }
  ag::Tensor fresh = ag::empty({100});  // the cached block of `dirty`, refilled with NaN
  for (float v : fresh.to_vector()) CHECK(std::isnan(v));
  for (float v : ag::zeros({100}).to_vector()) CHECK(v == 0.0f);
  for (float v : ag::full({100}, 2.5f).to_vector()) CHECK(v == 2.5f);
  ag::set_nan_fill(false);
  { ag::Tensor dirty = ag::full({100}, 7.0f); }
  CHECK(ag::empty({100}).data()[0] == 7.0f);  // without the fill: the old contents, as PyTorch
}

TEST_CASE("out of memory is an ag::Error naming the op, the shape and the bytes") {
  SettingsGuard settings;
  { FloatBuffer cached(1000); }
  CHECK_FAILS_WITH(ag::zeros({int64_t(1) << 40}),
                   "zeros: cannot allocate 4398046511104 bytes (4096 GiB) for shape "
                   "[1099511627776]: out of memory");
#if !AG_ASAN  // ASan stops the program on a request this large instead of failing it
  // What the factories catch: the allocator's own OutOfMemoryError, after it
  // emptied the cache and asked the system again. 2^60 floats = 2^62 bytes,
  // a size class of its own (a power of two).
  CHECK_THROWS_WITH_AS(
      FloatBuffer(int64_t(1) << 60),
      "allocator: cannot allocate 4611686018427387904 bytes (a block of 4611686018427387904): the "
      "system refused it, even after the cache was emptied",
      ag::OutOfMemoryError);
  CHECK(ag::memory_stats().bytes_cached == 0);
#endif
}

TEST_CASE("sizes no object can have are ag::Errors naming the bytes, never a bare std::bad_alloc") {
  SettingsGuard settings;
  const size_t max = SIZE_MAX;  // 18446744073709551615
  // SIZE_MAX - 10 is past 2^63: its classes are 2^61 apart, and rounding up
  // to the next one would wrap around to a small number.
  CHECK_THROWS_WITH_AS(
      ag::block_size_for(max - 10),
      "allocator: cannot allocate 18446744073709551605 bytes: rounded up to a multiple of "
      "2305843009213693952 it passes the largest size_t (18446744073709551615)",
      ag::OutOfMemoryError);
  // SIZE_MAX / 2 = 2^63 - 1 rounds up to the class 2^63, past PTRDIFF_MAX:
  // refused before the system is asked (so under ASan too).
  size_t block = 1;
  CHECK_THROWS_WITH_AS(
      ag::allocate_block(max / 2, &block),
      "allocator: cannot allocate 9223372036854775807 bytes (a block of 9223372036854775808): "
      "larger than any object can be (9223372036854775807 bytes)",
      ag::OutOfMemoryError);
  CHECK(block == 0);
  {  // System mode asks for exactly the bytes: SIZE_MAX - 10 is refused the same way.
    ag::AllocatorModeGuard system(AllocatorMode::System);
    CHECK_FAILS_WITH(
        ag::allocate_block(max - 10, &block),
        "allocator: cannot allocate 18446744073709551605 bytes (a block of 18446744073709551605)");
  }
  CHECK_THROWS_WITH_AS(
      FloatBuffer(-1),
      "allocator: cannot allocate a buffer of -1 floats: its size in bytes is negative",
      ag::OutOfMemoryError);
  CHECK_THROWS_WITH_AS(
      FloatBuffer(INT64_MAX),
      "allocator: cannot allocate a buffer of 9223372036854775807 floats: its size in bytes "
      "overflows size_t",
      ag::OutOfMemoryError);
  // Nothing was handed out or cached by any of the refusals.
  CHECK(ag::memory_stats().bytes_cached == 0);
}

#if AG_ASAN
// Run `use_after_free` in a child process; return what ASan printed.
std::string asan_report_of(void (*use_after_free)()) {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // the child: stderr into the pipe, then the bug
    dup2(pipe_fds[1], 2);
    close(pipe_fds[0]);
    use_after_free();
    _exit(0);  // not reached when ASan caught it
  }
  close(pipe_fds[1]);
  std::string report;
  char chunk[4096];
  for (ssize_t n; (n = read(pipe_fds[0], chunk, sizeof chunk)) > 0;) report.append(chunk, n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
  return report;
}

void read_freed_tensor() {
  ag::Tensor t = ag::full({1000}, 1.0f);
  const float* memory = t.data();
  t = ag::Tensor();  // the block goes to the cache
  volatile float stale = memory[10];
  (void)stale;
}

TEST_CASE("asan: reading a freed tensor's memory is still reported with the cache on") {
  SettingsGuard settings;
  const std::string report = asan_report_of(read_freed_tensor);
  CHECK_MESSAGE(report.find("use-after-poison") != std::string::npos, report);
}

TEST_CASE("asan: reading past a tensor's end, inside its block, is still reported") {
  SettingsGuard settings;
  const std::string report = asan_report_of([] {
    ag::Tensor t = ag::full({1000}, 1.0f);  // 4000 bytes in a 4096-byte block
    volatile float past_end = t.data()[1010];
    (void)past_end;
  });
  CHECK_MESSAGE(report.find("use-after-poison") != std::string::npos, report);
}

TEST_CASE("asan: in System mode the same bug is ASan's own heap-use-after-free") {
  SettingsGuard settings;
  ag::AllocatorModeGuard system(AllocatorMode::System);
  const std::string report = asan_report_of(read_freed_tensor);
  CHECK_MESSAGE(report.find("heap-use-after-free") != std::string::npos, report);
}
#endif
}  // TEST_SUITE("core.allocator")
