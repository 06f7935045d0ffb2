// core/kernels/parallel.cpp: a small std::thread pool behind parallel_for.
//
// The pool in one picture, for T threads:
//
//   caller ──► [ chunk 0 ]──────────────┐
//   worker 1 ─► [ chunk 1 ]─────────┐   ├─► caller waits until every chunk is done,
//   ...                              ├───┘   then rethrows the first exception
//   worker T-1 ► [ chunk T-1 ]──────┘
//
// - Workers are created on first use (a program that never calls parallel_for
//   never starts a thread) and live until the program exits, when the pool's
//   destructor wakes and joins them: no thread outlives main, nothing leaks.
// - Chunk t always goes to the same thread (caller = chunk 0, worker t = chunk t),
//   and chunk boundaries depend only on (begin, end, grain, thread count). That
//   static schedule is what keeps floating-point results bit-identical from run
//   to run; a work-stealing pool would be faster on uneven work but not repeatable.
// - A parallel_for called from inside a chunk runs serially on the calling
//   thread: with 2 cores, nested regions would only oversubscribe them.
#include "core/kernels/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "core/error.h"

namespace ag {
namespace {

using ChunkFn = std::function<void(int64_t, int64_t)>;

// More threads than this is surely a typo (AG_NUM_THREADS=1000 on a laptop).
constexpr int kMaxThreads = 256;

// True on pool workers always, and on the caller while it runs its own chunk.
thread_local bool t_inside_parallel = false;

// Marks the calling thread as "inside a parallel region" for one scope.
struct InsideParallelScope {
  bool previous = t_inside_parallel;
  InsideParallelScope() { t_inside_parallel = true; }
  ~InsideParallelScope() { t_inside_parallel = previous; }
};

// AG_NUM_THREADS if set, else one thread per core.
int threads_from_environment() {
  const char* env = std::getenv("AG_NUM_THREADS");
  if (env == nullptr || *env == '\0') {
    unsigned cores = std::thread::hardware_concurrency();  // 0 means "unknown"
    return std::clamp(static_cast<int>(cores), 1, kMaxThreads);
  }
  char* rest = nullptr;
  long n = std::strtol(env, &rest, 10);
  if (*rest != '\0' || n < 1 || n > kMaxThreads)
    fail("AG_NUM_THREADS: expected a whole number of threads from 1 to ", kMaxThreads, ", got \"",
         env, "\"");
  return static_cast<int>(n);
}

// 0 means "not decided yet": the environment is read on first use.
std::atomic<int> g_num_threads{0};

// The bounds of chunk `index` when [begin, end) is cut into `count` contiguous
// chunks whose sizes differ by at most one (the first `range % count` chunks
// get the extra element). Written without range * index, which could overflow.
void chunk_bounds(int64_t begin, int64_t end, int count, int index, int64_t* lo, int64_t* hi) {
  int64_t range = end - begin;
  int64_t base = range / count, extra = range % count;
  *lo = begin + index * base + std::min<int64_t>(index, extra);
  *hi = *lo + base + (index < extra ? 1 : 0);
}

// Waits for `ready()` by polling for up to ~200 µs, yielding the core to
// anyone else who wants it. Why not block on the condition variable at once?
// A sleeping thread takes tens of µs to wake, and Linux likes to wake it on the
// core of the thread that woke it, which is busy with chunk 0: the two chunks
// then run one after the other. Back-to-back parallel regions (a training
// step is a stream of them) find a polling worker already awake on its own core.
template <class Ready>
bool poll_briefly(Ready ready) {
  using Clock = std::chrono::steady_clock;
  auto give_up = Clock::now() + std::chrono::microseconds(200);
  while (!ready()) {
    if (Clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

class ThreadPool {
 public:
  ThreadPool() = default;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool() { stop_workers(); }

  // Runs chunk 0 on the caller and chunks 1..count-1 on workers 1..count-1,
  // returns when all are done, rethrows the lowest-numbered chunk's exception.
  void run(int64_t begin, int64_t end, int count, const ChunkFn& fn) {
    // One parallel region at a time: two user threads calling parallel_for
    // at once take turns instead of mixing their chunks up.
    std::lock_guard<std::mutex> region(region_mutex_);
    if (static_cast<int>(workers_.size()) < count - 1) start_workers(count - 1);

    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      begin_ = begin;
      end_ = end;
      count_ = count;
      errors_.assign(count, nullptr);
      pending_.store(count - 1);
      generation_.fetch_add(1);  // last: a worker that sees it sees all of the above
    }
    wake_.notify_all();

    run_chunk(0);

    auto all_done = [this] { return pending_.load() == 0; };
    if (!poll_briefly(all_done)) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, all_done);
    }
    fn_ = nullptr;
    for (std::exception_ptr& error : errors_)
      if (error) std::rethrow_exception(error);
  }

 private:
  // Runs one chunk; an exception is stored, never allowed to escape a thread
  // (an exception leaving a std::thread's function calls std::terminate).
  void run_chunk(int index) {
    InsideParallelScope inside;
    int64_t lo = 0, hi = 0;
    chunk_bounds(begin_, end_, count_, index, &lo, &hi);
    try {
      (*fn_)(lo, hi);
    } catch (...) {
      errors_[index] = std::current_exception();  // each chunk owns its slot
    }
  }

  void worker_loop(int index, uint64_t seen_generation) {
    t_inside_parallel = true;
    auto has_news = [&] { return stopping_.load() || generation_.load() != seen_generation; };
    for (;;) {
      poll_briefly(has_news);
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, has_news);
        if (stopping_) return;
        seen_generation = generation_.load();
        if (index >= count_) continue;  // fewer chunks than workers this time
      }
      run_chunk(index);
      if (pending_.fetch_sub(1) == 1) {
        // Taking the mutex orders this notify after the caller either saw
        // pending_ == 0 or started waiting: the wake-up cannot be lost.
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
      }
    }
  }

  // Replaces the current workers by `n` fresh ones (called under region_mutex_,
  // so no job is running).
  void start_workers(int n) {
    stop_workers();
    workers_.reserve(n);
    try {
      for (int i = 1; i <= n; ++i)
        workers_.emplace_back(&ThreadPool::worker_loop, this, i, generation_.load());
    } catch (const std::system_error& e) {
      stop_workers();
      fail("parallel_for: could not start ", n, " worker threads (", e.what(),
           "); try a smaller set_num_threads()");
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_.store(true);
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
    workers_.clear();
    stopping_.store(false);
  }

  std::mutex region_mutex_;
  std::mutex mutex_;              // guards the job description and the waits below
  std::condition_variable wake_;  // workers wait here for a new generation
  std::condition_variable done_;  // the caller waits here for pending_ == 0
  std::vector<std::thread> workers_;
  // Atomic because polling threads read them without the mutex.
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> generation_{0};  // bumped once per parallel region
  std::atomic<int> pending_{0};          // worker chunks not finished yet
  // The current job, written by the caller before it bumps generation_.
  const ChunkFn* fn_ = nullptr;
  int64_t begin_ = 0, end_ = 0;
  int count_ = 0;
  std::vector<std::exception_ptr> errors_;
};

// Created on first use, destroyed (workers joined) when the program exits.
ThreadPool& pool() {
  static ThreadPool instance;
  return instance;
}

}  // namespace

int get_num_threads() {
  int n = g_num_threads.load();
  if (n == 0) {
    n = threads_from_environment();
    g_num_threads.store(n);
  }
  return n;
}

void set_num_threads(int n) {
  if (n < 1 || n > kMaxThreads)
    fail("set_num_threads: the number of threads must be from 1 to ", kMaxThreads, ", got ", n);
  g_num_threads.store(n);
}

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t lo, int64_t hi)>& fn) {
  if (begin >= end) return;
  int64_t range;  // end - begin, which overflows for e.g. [INT64_MIN, INT64_MAX)
  if (__builtin_sub_overflow(end, begin, &range))
    fail("parallel_for: the range [", begin, ", ", end, ") holds more than 2^63 - 1 indices");
  grain = std::max<int64_t>(grain, 1);
  int threads = t_inside_parallel ? 1 : get_num_threads();
  if (threads == 1 || range < grain) {
    fn(begin, end);
    return;
  }
  // At most one chunk per thread, and no chunk smaller than grain: the grain
  // is the least work worth waking a thread for.
  int64_t chunks = std::min<int64_t>(threads, range / grain);
  if (chunks == 1) {
    fn(begin, end);
    return;
  }
  pool().run(begin, end, static_cast<int>(chunks), fn);
}

}  // namespace ag
