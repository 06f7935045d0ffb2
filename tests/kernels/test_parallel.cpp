// tests/kernels/test_parallel.cpp: the thread pool behind parallel_for.
//
// What a caller relies on: every index of [begin, end) is handed out exactly
// once, in contiguous chunks that depend only on the range, the grain and the
// thread count; exceptions come back to the caller; nested calls run serially.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/kernels/parallel.h"

namespace {

// Restores the thread count a test changed, even if the test fails.
struct ThreadCountGuard {
  int saved = ag::get_num_threads();
  ~ThreadCountGuard() { ag::set_num_threads(saved); }
};

using Chunks = std::vector<std::pair<int64_t, int64_t>>;

// The chunks parallel_for hands out, sorted by their start.
Chunks chunks_of(int64_t begin, int64_t end, int64_t grain) {
  std::mutex mutex;
  Chunks chunks;
  ag::parallel_for(begin, end, grain, [&](int64_t lo, int64_t hi) {
    std::lock_guard<std::mutex> lock(mutex);
    chunks.emplace_back(lo, hi);
  });
  std::sort(chunks.begin(), chunks.end());
  return chunks;
}

}  // namespace

TEST_SUITE("kernels.parallel") {

TEST_CASE("parallel_for visits every index exactly once") {
  ThreadCountGuard guard;
  for (int threads : {1, 2, 3, 4, 7}) {
    ag::set_num_threads(threads);
    struct Range {
      int64_t begin, end, grain;
    };
    for (Range r :
         {Range{0, 1, 1}, Range{0, 2, 1}, Range{5, 6, 1}, Range{0, 10, 1}, Range{-7, 13, 1},
          Range{0, 1000, 1}, Range{3, 1003, 64}, Range{0, 100, 1000}, Range{0, 5, 0}}) {
      CAPTURE(threads);
      CAPTURE(r.begin);
      CAPTURE(r.end);
      CAPTURE(r.grain);
      std::vector<std::atomic<int>> visits(r.end - r.begin);
      ag::parallel_for(r.begin, r.end, r.grain, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) visits[i - r.begin]++;
      });
      int wrong = 0;
      for (auto& v : visits) wrong += v.load() != 1;
      CHECK(wrong == 0);
    }
  }
}

TEST_CASE("an empty or reversed range calls nothing") {
  int calls = 0;
  ag::parallel_for(0, 0, 1, [&](int64_t, int64_t) { ++calls; });
  ag::parallel_for(10, 3, 1, [&](int64_t, int64_t) { ++calls; });
  CHECK(calls == 0);
}

TEST_CASE("a range longer than int64 can count is an error, not an overflow") {
  const int64_t lowest = std::numeric_limits<int64_t>::min(),
                highest = std::numeric_limits<int64_t>::max();
  int calls = 0;
  CHECK_THROWS_WITH_AS(
      ag::parallel_for(lowest, highest, 1, [&](int64_t, int64_t) { ++calls; }),
      "parallel_for: the range [-9223372036854775808, 9223372036854775807) holds more "
      "than 2^63 - 1 indices",
      ag::Error);
  CHECK(calls == 0);
}

TEST_CASE("chunks are contiguous, balanced, and the same every time") {
  ThreadCountGuard guard;
  ag::set_num_threads(3);
  Chunks first = chunks_of(0, 100, 1);
  // 100 = 34 + 33 + 33: one chunk per thread, sizes differ by at most one.
  CHECK(first == Chunks{{0, 34}, {34, 67}, {67, 100}});
  for (int run = 0; run < 20; ++run) CHECK(chunks_of(0, 100, 1) == first);

  // No chunk smaller than the grain: 100 indices with grain 33 make 3 chunks,
  // with grain 34 only 2 (3 chunks would hold 33 or 34), with grain 51 one.
  CHECK(chunks_of(0, 100, 33).size() == 3);
  CHECK(chunks_of(0, 100, 34).size() == 2);
  CHECK(chunks_of(0, 100, 51).size() == 1);
  CHECK(chunks_of(0, 7, 1).size() == 3);
}

TEST_CASE("a range smaller than the grain runs inline on the caller") {
  ThreadCountGuard guard;
  ag::set_num_threads(4);
  std::thread::id caller = std::this_thread::get_id(), ran_on;
  Chunks chunks;
  ag::parallel_for(0, 50, 100, [&](int64_t lo, int64_t hi) {
    ran_on = std::this_thread::get_id();
    chunks.emplace_back(lo, hi);
  });
  CHECK(ran_on == caller);
  CHECK(chunks == Chunks{{0, 50}});
}

TEST_CASE("the work really is spread over the threads") {
  ThreadCountGuard guard;
  ag::set_num_threads(2);
  std::mutex mutex;
  std::vector<std::thread::id> ids;
  ag::parallel_for(0, 2, 1, [&](int64_t, int64_t) {
    std::lock_guard<std::mutex> lock(mutex);
    ids.push_back(std::this_thread::get_id());
  });
  REQUIRE(ids.size() == 2);
  CHECK(ids[0] != ids[1]);
}

TEST_CASE("an exception in a chunk reaches the caller, and the pool survives") {
  ThreadCountGuard guard;
  for (int threads : {1, 2, 4}) {
    CAPTURE(threads);
    ag::set_num_threads(threads);
    // Thrown by the last chunk, which runs on a worker when threads > 1.
    auto throw_at_end = [](int64_t, int64_t hi) {
      if (hi == 100) throw std::runtime_error("chunk ending at 100 failed");
    };
    CHECK_THROWS_WITH_AS(ag::parallel_for(0, 100, 1, throw_at_end), "chunk ending at 100 failed",
                         std::runtime_error);
    // ag::Error keeps its type across the thread boundary.
    CHECK_THROWS_AS(
        ag::parallel_for(0, 100, 1, [](int64_t, int64_t) { ag::fail("op: ", 3, " != ", 4); }),
        ag::Error);
    // Every chunk throws: the caller gets the first chunk's exception.
    auto throw_lo = [](int64_t lo, int64_t) { throw std::runtime_error(std::to_string(lo)); };
    CHECK_THROWS_WITH_AS(ag::parallel_for(0, 100, 1, throw_lo), "0", std::runtime_error);
    // The pool still works afterwards.
    std::atomic<int64_t> sum{0};
    ag::parallel_for(0, 100, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) sum += i;
    });
    CHECK(sum.load() == 4950);
  }
}

TEST_CASE("a nested parallel_for runs serially inside its chunk") {
  ThreadCountGuard guard;
  ag::set_num_threads(2);
  std::mutex mutex;
  int inner_calls = 0, wrong_inner = 0;
  std::vector<std::atomic<int>> visits(2 * 30);
  ag::parallel_for(0, 2, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t outer = lo; outer < hi; ++outer) {
      std::thread::id me = std::this_thread::get_id();
      ag::parallel_for(0, 30, 1, [&](int64_t ilo, int64_t ihi) {
        std::lock_guard<std::mutex> lock(mutex);
        ++inner_calls;
        // Serial: one call covering the whole range, on the outer chunk's thread.
        if (ilo != 0 || ihi != 30 || std::this_thread::get_id() != me) ++wrong_inner;
        for (int64_t i = ilo; i < ihi; ++i) visits[outer * 30 + i]++;
      });
    }
  });
  CHECK(inner_calls == 2);
  CHECK(wrong_inner == 0);
  int wrong = 0;
  for (auto& v : visits) wrong += v.load() != 1;
  CHECK(wrong == 0);
}

TEST_CASE("set_num_threads takes effect and rejects nonsense") {
  ThreadCountGuard guard;
  ag::set_num_threads(3);
  CHECK(ag::get_num_threads() == 3);
  CHECK(chunks_of(0, 30, 1).size() == 3);
  ag::set_num_threads(1);
  CHECK(ag::get_num_threads() == 1);
  CHECK(chunks_of(0, 30, 1).size() == 1);

  CHECK_THROWS_WITH_AS(ag::set_num_threads(0),
                       "set_num_threads: the number of threads must be from 1 to 256, got 0",
                       ag::Error);
  CHECK_THROWS_WITH_AS(ag::set_num_threads(-2),
                       "set_num_threads: the number of threads must be from 1 to 256, got -2",
                       ag::Error);
  CHECK_THROWS_AS(ag::set_num_threads(100000), ag::Error);
  CHECK(ag::get_num_threads() == 1);  // a rejected call changes nothing
}

}  // TEST_SUITE("kernels.parallel")
