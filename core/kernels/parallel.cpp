// Serial placeholder until the thread pool lands.
#include "core/kernels/parallel.h"
#include "core/error.h"

namespace ag {
static int g_threads = 1;
int get_num_threads() { return g_threads; }
void set_num_threads(int n) {
  if (n < 1) fail("set_num_threads: need at least 1 thread, got ", n);
  g_threads = n;
}
void parallel_for(int64_t begin, int64_t end, int64_t,
                  const std::function<void(int64_t, int64_t)>& fn) {
  if (begin < end) fn(begin, end);
}
}  // namespace ag
