// core/kernels/parallel.h: a small std::thread pool and parallel_for.
//
// Work is split statically: [begin, end) is cut into one contiguous chunk per
// thread, in order. The same thread count therefore always gives each thread
// the same indices, which keeps results bit-identical from run to run.
// The thread count comes from AG_NUM_THREADS (default: all cores) and can be
// changed with set_num_threads(). Calls from inside a parallel region run
// serially, so kernels may nest parallel_for without oversubscribing.
#pragma once

#include <cstdint>
#include <functional>

namespace ag {

int get_num_threads();
void set_num_threads(int n);  // n >= 1; throws ag::Error otherwise

// Run fn(lo, hi) over disjoint chunks covering [begin, end). When the range is
// smaller than grain (or only one thread is set) it runs inline on the caller.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t lo, int64_t hi)>& fn);

}  // namespace ag
