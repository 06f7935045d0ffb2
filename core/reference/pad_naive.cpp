// Padding, one output cell at a time (see pad_naive.h).
#include "core/reference/pad_naive.h"

#include <algorithm>
#include <vector>

namespace ag {

namespace {

constexpr int64_t kNoCell = -1;  // the constant mode's fill: no input cell

// Along one dim of n input cells padded by (before, after): the input cell
// that output cell o copies. It would be i = o - before; when i falls outside
// [0, n), the mode decides.
int64_t source_cell(PadMode mode, int64_t o, int64_t n, int64_t before, int64_t after) {
  const int64_t i = o - before;
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::Constant:
      return kNoCell;
    case PadMode::Reflect:
      // mirror about cell 0 (i = -1 -> 1) or about cell n-1 (i = n -> n-2)
      return i < 0 ? -i : 2 * (n - 1) - i;
    case PadMode::Replicate:
      return i < 0 ? 0 : n - 1;  // the nearest edge cell
    case PadMode::Circular: {
      // The ring is the cells the crops keep, first..last; step around it.
      const int64_t first = before < 0 ? -before : 0;
      const int64_t last = after < 0 ? n - 1 + after : n - 1;
      const int64_t ring = last - first + 1;
      int64_t j = i;
      while (j < first) j += ring;
      while (j > last) j -= ring;
      return j;
    }
  }
  return kNoCell;
}

int64_t product(const std::vector<int64_t>& sizes) {
  int64_t p = 1;
  for (int64_t s : sizes) p *= s;
  return p;
}

// The input cell (flat within its plane) that output cell f of a plane
// copies, or kNoCell.
int64_t source_of(const PadGeometry& g, int64_t f) {
  const size_t k = g.in_sizes.size();
  std::vector<int64_t> o(k);  // f's coordinates, the last dim fastest
  for (size_t d = k; d-- > 0;) {
    o[d] = f % g.out_sizes[d];
    f /= g.out_sizes[d];
  }
  int64_t flat = 0;
  for (size_t d = 0; d < k; ++d) {
    const int64_t i = source_cell(g.mode, o[d], g.in_sizes[d], g.before[d], g.after[d]);
    if (i == kNoCell) return kNoCell;
    flat = flat * g.in_sizes[d] + i;
  }
  return flat;
}

}  // namespace

void pad_forward_naive(const PadGeometry& g, const float* x, float* out) {
  const int64_t in_plane = product(g.in_sizes), out_plane = product(g.out_sizes);
  for (int64_t p = 0; p < g.planes; ++p)
    for (int64_t f = 0; f < out_plane; ++f) {
      const int64_t i = source_of(g, f);
      out[p * out_plane + f] = i == kNoCell ? g.value : x[p * in_plane + i];
    }
}

// out[f] = x[source(f)], so dx[i] is the sum of dout over every f with source(f) = i.
void pad_backward_naive(const PadGeometry& g, const float* dout, float* dx) {
  const int64_t in_plane = product(g.in_sizes), out_plane = product(g.out_sizes);
  std::fill(dx, dx + g.planes * in_plane, 0.0f);
  for (int64_t p = 0; p < g.planes; ++p)
    for (int64_t f = 0; f < out_plane; ++f) {
      const int64_t i = source_of(g, f);
      if (i != kNoCell) dx[p * in_plane + i] += dout[p * out_plane + f];
    }
}

}  // namespace ag
