// core/kernels/pool.h: 2-D pooling, forward and backward (no autograd).
//
// Shape legend: N batch, C channels, H×W input, OH×OW output, kh×kw window.
// Pooling treats every (n, c) image plane alike, so the kernels see the input
// as P = N*C independent planes: x (P, H, W) -> out (P, OH, OW).
//
// Window (oh, ow) covers input rows oh*stride_h - pad_h + [0, kh) and columns
// ow*stride_w - pad_w + [0, kw); output size as PyTorch (floor mode):
//   out = floor((in + 2*pad - k) / stride) + 1
//
//   avg: mean over the window, padded cells count as zeros in the divisor
//        (PyTorch's count_include_pad=true): divisor kh*kw. In floor mode a
//        window never reaches past the padding, so it is always kh*kw.
//   max: padded cells are -inf (never chosen). argmax records the chosen
//        cell as ih*W + iw within its plane; the first maximum wins ties, and
//        the first NaN wins over numbers (NaN propagates, as in PyTorch).
//   adaptive avg: output cell (oh, ow) averages rows [floor(oh*H/OH),
//        ceil((oh+1)*H/OH)) and the columns likewise: bins that cover the
//        whole input, possibly overlapping by one.
//
// The textbook versions live in core/reference/pool_naive.h. All functions
// overwrite their outputs and assume a valid geometry (the op checks it).
#pragma once

#include <cstdint>

namespace ag {

struct PoolGeometry {
  int64_t planes = 1, H = 1, W = 1;  // P = N*C
  int64_t kh = 1, kw = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t OH = 1, OW = 1;  // fill with pool_fill_output_size
};

// PyTorch's floor-mode output size; < 1 when the window is larger than the padded input.
// Summed as in - k + 2*pad: with pad <= k/2 (the op checks it) no step overflows.
inline int64_t pool_output_size(int64_t in, int64_t k, int64_t stride, int64_t pad) {
  const int64_t span = in - k + 2 * pad;
  return span < 0 ? 0 : span / stride + 1;
}
inline void pool_fill_output_size(PoolGeometry& g) {
  g.OH = pool_output_size(g.H, g.kh, g.stride_h, g.pad_h);
  g.OW = pool_output_size(g.W, g.kw, g.stride_w, g.pad_w);
}

// Adaptive pooling's bin i of `out` bins over `in` cells: [start, end).
inline int64_t adaptive_bin_start(int64_t i, int64_t in, int64_t out) { return i * in / out; }
inline int64_t adaptive_bin_end(int64_t i, int64_t in, int64_t out) {
  return ((i + 1) * in + out - 1) / out;  // ceil((i + 1) * in / out)
}

void avg_pool2d_forward(const PoolGeometry& g, const float* x, float* out);
void avg_pool2d_backward(const PoolGeometry& g, const float* dout, float* dinp);

// argmax: (P, OH, OW) plane-local indices of the chosen cells.
void max_pool2d_forward(const PoolGeometry& g, const float* x, float* out, int64_t* argmax);
void max_pool2d_backward(const PoolGeometry& g, const float* dout, const int64_t* argmax,
                         float* dinp);

// x (P, H, W) -> out (P, OH, OW)
void adaptive_avg_pool2d_forward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 const float* x, float* out);
void adaptive_avg_pool2d_backward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                  const float* dout, float* dinp);

}  // namespace ag
