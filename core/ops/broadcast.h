// core/ops/broadcast.h: index arithmetic for NumPy broadcasting (internal).
//
// For an output shape and an input shape that broadcasts to it, the input's
// element for output flat index i is found by walking the output index and
// using stride 0 along every dimension the input stretches. BroadcastMap holds
// those strides; for_each_broadcast() walks the output once, odometer-style,
// without a division per element.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace ag {

// The shape a and b broadcast to (aligned from the right, as NumPy). On a
// clash, returns false and leaves in *clash the result dimension and the two
// sizes that disagree, so each op can word its own error.
struct BroadcastClash {
  int64_t dim = 0, a_size = 0, b_size = 0;
};
bool try_broadcast_shapes(const Shape& a, const Shape& b, Shape* out, BroadcastClash* clash);

// Strides (in elements) of `in` seen through the output shape: 0 where `in`
// has size 1 (or no such dimension) and the output is larger.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Calls fn(out_index, a_index, b_index) for every element of `out`.
template <class Fn>
void for_each_broadcast(const Shape& out, const Shape& a, const Shape& b, Fn&& fn) {
  const int64_t n = numel_of(out);
  if (n == 0) return;
  if (a == out && b == out) {  // the common case: no broadcasting at all
    for (int64_t i = 0; i < n; ++i) fn(i, i, i);
    return;
  }
  const int64_t rank = static_cast<int64_t>(out.size());
  std::vector<int64_t> sa = broadcast_strides(a, out), sb = broadcast_strides(b, out);
  std::vector<int64_t> idx(rank, 0);
  int64_t ia = 0, ib = 0;
  for (int64_t i = 0; i < n; ++i) {
    fn(i, ia, ib);
    // Advance the odometer: bump the last dimension, carry into earlier ones.
    for (int64_t d = rank - 1; d >= 0; --d) {
      ++idx[d];
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < out[d]) break;
      ia -= sa[d] * out[d];
      ib -= sb[d] * out[d];
      idx[d] = 0;
    }
  }
}

}  // namespace ag
