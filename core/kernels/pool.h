// core/kernels/pool.h: 2-D pooling, forward and backward (no autograd).
//
// Shape legend: N batch, C channels, H×W input, OH×OW output, kh×kw window.
// Pooling treats every (n, c) image plane alike, so the kernels see the input
// as P = N*C independent planes: x (P, H, W) -> out (P, OH, OW).
//
// Window (oh, ow) covers input rows oh*stride_h - pad_h + [0, kh) and columns
// ow*stride_w - pad_w + [0, kw); output size as PyTorch (floor mode):
//   out = floor((in + 2*pad - k) / stride) + 1
// and in ceil mode ceil(...) + 1, less one if that last window would start
// past the input and its left padding ((out - 1)*stride >= in + pad).
//
//   avg: sum over the window divided by, as PyTorch:
//        divisor_override when set; else with count_include_pad the window's
//        cells inside the padded input (kh*kw, except a ceil-mode window that
//        reaches past the padding); else only its cells inside the image.
//   max: padded cells are -inf (never chosen). argmax records the chosen
//        cell as ih*W + iw within its plane; the first maximum wins ties, and
//        the last NaN of a window wins over numbers (NaN propagates; the
//        gradient and the indices go where PyTorch 1.13 sends them).
//   adaptive avg: output cell (oh, ow) averages rows [floor(oh*H/OH),
//        ceil((oh+1)*H/OH)) and the columns likewise: bins that cover the
//        whole input, possibly overlapping by one.
//   adaptive max: the max over the same bins; argmax as for max, except that
//        a NaN always takes over (so the last NaN is kept), as PyTorch's kernel.
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
  bool ceil_mode = false;
  bool count_include_pad = true;  // avg only
  int64_t divisor_override = 0;   // avg only; 0: none (the op refuses a zero override)
};

// PyTorch's output size; < 1 when the window is larger than the padded input
// (in ceil mode: by a stride or more). Summed as in - k + 2*pad: with
// pad <= k/2 (the op checks it) no step overflows, and the ceil rounding and
// PyTorch's "last window starts inside the input or its left padding" rule,
// (out - 1)*stride >= in + pad  <=>  out - 1 > (in + pad - 1) / stride,
// are written with divisions so a huge stride cannot overflow either.
inline int64_t pool_output_size(int64_t in, int64_t k, int64_t stride, int64_t pad,
                                bool ceil_mode = false) {
  const int64_t span = in - k + 2 * pad;
  if (!ceil_mode) return span < 0 ? 0 : span / stride + 1;
  if (span < 0) return -span < stride ? 1 : 0;  // ceil(span / stride) + 1 for span in (-stride, 0)
  int64_t out = span / stride + 1 + (span % stride != 0 ? 1 : 0);
  if (out > 1 && out - 1 > (in + pad - 1) / stride) --out;
  return out;
}
inline void pool_fill_output_size(PoolGeometry& g) {
  g.OH = pool_output_size(g.H, g.kh, g.stride_h, g.pad_h, g.ceil_mode);
  g.OW = pool_output_size(g.W, g.kw, g.stride_w, g.pad_w, g.ceil_mode);
}

// Adaptive pooling's bin i of `out` bins over `in` cells: [start, end).
inline int64_t adaptive_bin_start(int64_t i, int64_t in, int64_t out) { return i * in / out; }
inline int64_t adaptive_bin_end(int64_t i, int64_t in, int64_t out) {
  return ((i + 1) * in + out - 1) / out;  // ceil((i + 1) * in / out)
}

void avg_pool2d_forward(const PoolGeometry& g, const float* x, float* out);
void avg_pool2d_backward(const PoolGeometry& g, const float* dout, float* dx);

// argmax: (P, OH, OW) plane-local indices of the chosen cells.
void max_pool2d_forward(const PoolGeometry& g, const float* x, float* out, int64_t* argmax);
void max_pool2d_backward(const PoolGeometry& g, const float* dout, const int64_t* argmax,
                         float* dx);

// x (P, H, W) -> out (P, OH, OW)
void adaptive_avg_pool2d_forward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 const float* x, float* out);
void adaptive_avg_pool2d_backward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                  const float* dout, float* dx);

// x (P, H, W) -> out (P, OH, OW), argmax (P, OH, OW) plane-local ih*W + iw.
// Its backward is max_pool2d_backward's scatter (only P, H, W, OH, OW are read).
void adaptive_max_pool2d_forward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 const float* x, float* out, int64_t* argmax);

}  // namespace ag
