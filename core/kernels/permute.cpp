// core/kernels/permute.cpp: the fast permute copy (see permute.h).
#include "core/kernels/permute.h"

#include <algorithm>

#include "core/reference/permute_naive.h"

namespace ag {

PermutePlan plan_permute(const Shape& in, const std::vector<int64_t>& dims) {
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> in_stride(rank, 1);
  for (int64_t d = rank - 1; d > 0; --d) in_stride[d - 1] = in_stride[d] * in[d];
  PermutePlan p;
  p.shape = Shape(rank), p.step = std::vector<int64_t>(rank),
  p.out_stride = std::vector<int64_t>(rank, 1);
  for (int64_t d = 0; d < rank; ++d) p.shape[d] = in[dims[d]], p.step[d] = in_stride[dims[d]];
  for (int64_t d = rank - 1; d > 0; --d) p.out_stride[d - 1] = p.out_stride[d] * p.shape[d];
  for (int64_t size : p.shape) p.count *= size;
  // b: the out dim that reads x's last (contiguous) dim.
  if (rank > 0) p.reads_last = std::find(dims.begin(), dims.end(), rank - 1) - dims.begin();
  return p;
}

namespace {

// The fast path for a real transpose, where out's last dim `a` reads x with a
// stride: row by row, every read would land on a new cache line (a 1024x1024
// transpose runs at under 1 GB/s). Instead copy kTile x kTile tiles of the two
// dims that matter, `a` and `b` (the out dim that walks x's contiguous last
// dim): inside a tile the reads along b and the writes along a both reuse the
// cache lines they touch. The other dims are walked by an odometer.
void permute_tiled(const PermutePlan& p, const float* src, float* dst) {
  constexpr int64_t kTile = 32;
  const int64_t rank = static_cast<int64_t>(p.shape.size()), a = rank - 1, b = p.reads_last;
  const int64_t Sa = p.shape[a], Sb = p.shape[b], read_a = p.step[a], write_b = p.out_stride[b];
  std::vector<int64_t> idx(rank, 0);
  int64_t in_base = 0, out_base = 0;
  for (int64_t r = 0, blocks = p.count / (Sa * Sb); r < blocks; ++r) {
    for (int64_t b0 = 0; b0 < Sb; b0 += kTile)
      for (int64_t a0 = 0; a0 < Sa; a0 += kTile) {
        const int64_t b1 = std::min(b0 + kTile, Sb), a1 = std::min(a0 + kTile, Sa);
        for (int64_t jb = b0; jb < b1; ++jb)  // p.step[b] is 1
          for (int64_t ja = a0; ja < a1; ++ja)
            dst[out_base + jb * write_b + ja] = src[in_base + jb + ja * read_a];
      }
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (d == a || d == b) continue;
      in_base += p.step[d], out_base += p.out_stride[d];
      if (++idx[d] < p.shape[d]) break;
      in_base -= p.step[d] * p.shape[d], out_base -= p.out_stride[d] * p.shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace

// Tiles pay off only when out's last dim reads x with a stride (a real
// transpose) and both tiled dims are long enough to fill a tile row; every
// other copy already reads and writes whole rows, as the reference does.
void permute_copy(const PermutePlan& p, const float* src, float* dst) {
  const int64_t rank = static_cast<int64_t>(p.shape.size()), b = p.reads_last;
  const bool transposes_last = rank >= 2 && b != rank - 1;
  if (transposes_last && p.shape[rank - 1] >= 8 && p.shape[b] >= 8)
    permute_tiled(p, src, dst);
  else
    permute_copy_naive(p, src, dst);
}

}  // namespace ag
