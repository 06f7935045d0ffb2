// The raw padding kernels: the naive loops against hand-worked rows, then the
// fast kernels against the naive ones on many random geometries, with one and
// two threads. Padding only copies and adds in a fixed order, so the two must
// agree exactly, not within a tolerance.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/kernels/pad.h"
#include "core/reference/pad_naive.h"
#include "tests/helpers/kernel_test_util.h"

using namespace ag;
using ag_test::max_error;
using ag_test::random_values;
using ag_test::ThreadCount;

namespace {

PadGeometry geometry(int64_t planes, std::vector<int64_t> in_sizes, std::vector<int64_t> before,
                     std::vector<int64_t> after, PadMode mode, float value = 0.0f) {
  PadGeometry g;
  g.planes = planes, g.mode = mode, g.value = value;
  g.in_sizes = in_sizes, g.before = before, g.after = after;
  for (size_t d = 0; d < in_sizes.size(); ++d)
    g.out_sizes.push_back(in_sizes[d] + before[d] + after[d]);
  return g;
}

int64_t cells(const std::vector<int64_t>& sizes, int64_t planes) {
  int64_t n = planes;
  for (int64_t s : sizes) n *= s;
  return n;
}

// The rules core/ops/pad.cpp checks, for one dim (so the random geometries
// below are ones the op would pass to the kernels).
bool valid_dim(PadMode mode, int64_t n, int64_t before, int64_t after) {
  const int64_t m = n + before + after;
  const int64_t kept = n + std::min<int64_t>(before, 0) + std::min<int64_t>(after, 0);
  switch (mode) {
    case PadMode::Constant:
      return m >= 0;
    case PadMode::Reflect:
      return before < n && after < n && m >= 1;
    case PadMode::Replicate:
      return m >= 1;
    case PadMode::Circular:
      return before <= n && after <= n && m >= 0 && (m == 0 || kept >= 1);
  }
  return false;
}

// A small deterministic generator for the geometries (values come from random_values).
struct Lcg {
  uint64_t state;
  int64_t below(int64_t n) {  // uniform-ish in [0, n)
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int64_t>((state >> 33) % static_cast<uint64_t>(n));
  }
};

PadGeometry random_geometry(Lcg& rng) {
  const PadMode modes[] = {PadMode::Constant, PadMode::Reflect, PadMode::Replicate,
                           PadMode::Circular};
  const PadMode mode = modes[rng.below(4)];
  const int64_t k = 1 + rng.below(3);
  std::vector<int64_t> in_sizes, before, after;
  for (int64_t d = 0; d < k; ++d) {
    const int64_t n = 1 + rng.below(6);
    int64_t b = 0, a = 0;
    do {  // pads in [-n - 2, n + 2], kept when the mode allows them
      b = rng.below(2 * n + 5) - n - 2;
      a = rng.below(2 * n + 5) - n - 2;
    } while (!valid_dim(mode, n, b, a));
    in_sizes.push_back(n), before.push_back(b), after.push_back(a);
  }
  return geometry(rng.below(5), in_sizes, before, after, mode, 0.25f);
}

// Forward and backward of the fast kernels against the naive ones, exactly.
void check_fast_equals_naive(const PadGeometry& g, uint64_t seed) {
  const std::vector<float> x = random_values(cells(g.in_sizes, g.planes), seed);
  const std::vector<float> dout = random_values(cells(g.out_sizes, g.planes), seed + 1);
  std::vector<float> out_fast(dout.size()), out_naive(dout.size());
  std::vector<float> dx_fast(x.size(), -7.0f), dx_naive(x.size(), 7.0f);  // both must overwrite
  pad_forward(g, x.data(), out_fast.data());
  pad_forward_naive(g, x.data(), out_naive.data());
  pad_backward(g, dout.data(), dx_fast.data());
  pad_backward_naive(g, dout.data(), dx_naive.data());
  CHECK(max_error(out_fast, out_naive) == 0.0);
  CHECK(max_error(dx_fast, dx_naive) == 0.0);
}

std::string describe(const PadGeometry& g) {
  std::string s =
      "planes " + std::to_string(g.planes) + ", mode " + std::to_string(int(g.mode)) + ":";
  for (size_t d = 0; d < g.in_sizes.size(); ++d)
    s += " n=" + std::to_string(g.in_sizes[d]) + " (" + std::to_string(g.before[d]) + ", " +
         std::to_string(g.after[d]) + ")";
  return s;
}

}  // namespace

TEST_SUITE("kernels.pad") {

TEST_CASE("naive pad, worked by hand: one row of 1 2 3 4 in each mode") {
  const std::vector<float> row = {1, 2, 3, 4};
  auto padded = [&](PadMode mode, int64_t before, int64_t after) {
    const PadGeometry g = geometry(1, {4}, {before}, {after}, mode, 9.0f);
    std::vector<float> out(static_cast<size_t>(g.out_sizes[0]));
    pad_forward_naive(g, row.data(), out.data());
    return out;
  };
  CHECK(padded(PadMode::Constant, 2, 1) == std::vector<float>{9, 9, 1, 2, 3, 4, 9});
  CHECK(padded(PadMode::Reflect, 3, 3) == std::vector<float>{4, 3, 2, 1, 2, 3, 4, 3, 2, 1});
  CHECK(padded(PadMode::Replicate, 2, 2) == std::vector<float>{1, 1, 1, 2, 3, 4, 4, 4});
  CHECK(padded(PadMode::Circular, 4, 4) == std::vector<float>{1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4});
  // Crops: constant past the far end fills; circular wraps around the kept 2 3 4.
  CHECK(padded(PadMode::Constant, -5, 3) == std::vector<float>{9, 9});
  CHECK(padded(PadMode::Circular, -1, 2) == std::vector<float>{2, 3, 4, 2, 3});

  // Backward of reflect (3, 3): cells read 3 2 1 0 1 2 3 2 1 0, dout = 1 each:
  // the edge cells twice, the inner ones three times.
  const PadGeometry g = geometry(1, {4}, {3}, {3}, PadMode::Reflect);
  const std::vector<float> ones(10, 1.0f);
  std::vector<float> dx(4);
  pad_backward_naive(g, ones.data(), dx.data());
  CHECK(dx == std::vector<float>{2, 3, 3, 2});
}

TEST_CASE("fast pad equals naive on random geometries, with 1 and 2 threads") {
  Lcg rng{2026};
  for (int threads : {1, 2}) {
    ThreadCount scope(threads);
    for (int trial = 0; trial < 300; ++trial) {
      const PadGeometry g = random_geometry(rng);
      CAPTURE(threads);
      CAPTURE(describe(g));
      check_fast_equals_naive(g, 100 + trial);
    }
  }
}

TEST_CASE("fast pad on shapes big enough to split among threads: the same bits on 1 and 2") {
  for (const PadGeometry& g :
       {geometry(64, {20, 24}, {3, 2}, {1, 5}, PadMode::Reflect),
        geometry(48, {16, 30}, {-2, 7}, {4, -3}, PadMode::Replicate),
        geometry(32, {5, 12, 12}, {2, 12, 1}, {1, 0, 12}, PadMode::Circular),
        geometry(1, {300, 200}, {5, -3}, {-7, 9}, PadMode::Constant, -1.5f)}) {
    CAPTURE(describe(g));
    const std::vector<float> x = random_values(cells(g.in_sizes, g.planes), 5);
    const std::vector<float> dout = random_values(cells(g.out_sizes, g.planes), 6);
    std::vector<float> out[2], dx[2];
    for (int threads : {1, 2}) {
      ThreadCount scope(threads);
      out[threads - 1].resize(dout.size());
      dx[threads - 1].resize(x.size());
      pad_forward(g, x.data(), out[threads - 1].data());
      pad_backward(g, dout.data(), dx[threads - 1].data());
      check_fast_equals_naive(g, 9);
    }
    CHECK(out[0] == out[1]);
    CHECK(dx[0] == dx[1]);
  }
}

}  // TEST_SUITE("kernels.pad")
