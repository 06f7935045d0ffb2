// tests/bench/timing.h: the two ways the bench programs time a call.
//
// Both return the median, not the mean or the minimum: one run slowed down by
// another program on the shared cores should not move the figure, and the
// median of an odd number of runs is a time that really happened.
//   median_seconds          for calls of a millisecond or more: each run is one call.
//   median_seconds_batched  for short calls: each run repeats the call until it
//                           lasts >= 20 ms, so the clock's resolution and the
//                           cost of reading it do not matter; returns per call.
// Both make one untimed warm-up call first: it page-faults the buffers and
// starts the thread pool's workers, costs no later call pays.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

inline double median_of(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// Median seconds of `runs` single calls.
template <class Call>
double median_seconds(Call&& call, int runs) {
  call();
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    const auto start = Clock::now();
    call();
    times.push_back(seconds_since(start));
  }
  return median_of(times);
}

// Median seconds per call over `runs` runs of >= 20 ms each.
template <class Call>
double median_seconds_batched(Call&& call, int runs) {
  call();
  int calls_per_run = 1;
  for (;;) {
    const auto start = Clock::now();
    for (int i = 0; i < calls_per_run; ++i) call();
    if (seconds_since(start) > 0.02 || calls_per_run >= (1 << 20)) break;
    calls_per_run *= 2;
  }
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    const auto start = Clock::now();
    for (int i = 0; i < calls_per_run; ++i) call();
    times.push_back(seconds_since(start) / calls_per_run);
  }
  return median_of(times);
}

}  // namespace bench
