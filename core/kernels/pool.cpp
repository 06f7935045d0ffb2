// The fast pooling kernels: planes in parallel, each window's bounds clipped
// to the image once (instead of a bounds test per cell), so the inner loops
// are plain runs over memory.
//
// Average pooling (avg and adaptive avg) sums each window in two passes, a
// box at a time: down the window's rows first, all W columns at once (plain
// contiguous adds the compiler turns into vector adds), then across each
// window's columns of that one summed row. A cell-by-cell sum of a 4×4
// window is a chain of 16 dependent scalar adds; this is one vector add per
// input row and 4 scalar adds per window (AttentionNet's tail: 16×16 → 4×4
// over 8192 planes). Both ops share it, so avg_pool2d(x, 4) and
// adaptive_avg_pool2d(x, 4, 4) of a 16×16 map agree to the bit, as PyTorch's do.
//
// Shape legend (as pool.h): P = N*C planes of H×W, OH×OW output,
// kh×kw window.
#include "core/kernels/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/kernels/parallel.h"

namespace ag {

namespace {

// The part of a window [start, start + k) that lies inside [0, size).
struct Span {
  int64_t begin, end;
};
Span clip(int64_t start, int64_t k, int64_t size) {
  return {std::max<int64_t>(start, 0), std::min(start + k, size)};
}

// Planes per chunk, so each thread gets a real amount of work.
int64_t plane_grain(int64_t plane_size) {
  return std::max<int64_t>(1, 8192 / std::max<int64_t>(1, plane_size));
}

// What avg pooling divides the window starting at (h0, w0) by, given its part
// inside the image (rows, cols): see pool.h. A floor-mode window never reaches
// past the padding, so with count_include_pad it is kh*kw. Multiplied as
// floats: kh*kw of a (silly but valid) 2^32 x 2^32 window would overflow int64.
float avg_divisor(const PoolGeometry& g, int64_t h0, int64_t w0, Span rows, Span cols) {
  if (g.divisor_override != 0) return float(g.divisor_override);
  if (!g.count_include_pad) return float(rows.end - rows.begin) * float(cols.end - cols.begin);
  const int64_t h1 = std::min(h0 + g.kh, g.H + g.pad_h), w1 = std::min(w0 + g.kw, g.W + g.pad_w);
  return float(h1 - h0) * float(w1 - w0);
}

// The windows of one average-pooling call, worked out once (not once per
// plane): window (oh, ow) is rows [row_begin[oh], row_end[oh]) × columns
// [col_begin[ow], col_end[ow]) of the image, its sum divided by divisor[oh·OW + ow].
struct Boxes {
  int64_t H, W, OH, OW;
  std::vector<int64_t> row_begin, row_end, col_begin, col_end;
  std::vector<float> divisor;
};

Boxes avg_pool_boxes(const PoolGeometry& g) {
  Boxes b{g.H, g.W, g.OH, g.OW, {}, {}, {}, {}, {}};
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const Span rows = clip(oh * g.stride_h - g.pad_h, g.kh, g.H);
    b.row_begin.push_back(rows.begin);
    b.row_end.push_back(rows.end);
  }
  for (int64_t ow = 0; ow < g.OW; ++ow) {
    const Span cols = clip(ow * g.stride_w - g.pad_w, g.kw, g.W);
    b.col_begin.push_back(cols.begin);
    b.col_end.push_back(cols.end);
  }
  for (int64_t oh = 0; oh < g.OH; ++oh)
    for (int64_t ow = 0; ow < g.OW; ++ow)
      b.divisor.push_back(avg_divisor(g, oh * g.stride_h - g.pad_h, ow * g.stride_w - g.pad_w,
                                      {b.row_begin[oh], b.row_end[oh]},
                                      {b.col_begin[ow], b.col_end[ow]}));
  return b;
}

Boxes adaptive_boxes(int64_t H, int64_t W, int64_t OH, int64_t OW) {
  Boxes b{H, W, OH, OW, {}, {}, {}, {}, {}};
  for (int64_t oh = 0; oh < OH; ++oh) {
    b.row_begin.push_back(adaptive_bin_start(oh, H, OH));
    b.row_end.push_back(adaptive_bin_end(oh, H, OH));
  }
  for (int64_t ow = 0; ow < OW; ++ow) {
    b.col_begin.push_back(adaptive_bin_start(ow, W, OW));
    b.col_end.push_back(adaptive_bin_end(ow, W, OW));
  }
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow)
      b.divisor.push_back(
          float((b.row_end[oh] - b.row_begin[oh]) * (b.col_end[ow] - b.col_begin[ow])));
  return b;
}

// out (P, OH, OW) = each box's sum / its divisor, in the two passes (top of file).
void box_average_forward(const Boxes& b, int64_t planes, const float* x, float* out) {
  const int64_t H = b.H, W = b.W, OH = b.OH, OW = b.OW;
  parallel_for(0, planes, plane_grain(H * W), [&](int64_t lo, int64_t hi) {
    std::vector<float> sums(W);  // one window row's input rows, summed column by column
    float* __restrict column_sums = sums.data();
    for (int64_t p = lo; p < hi; ++p) {
      const float* plane = x + p * H * W;
      for (int64_t oh = 0; oh < OH; ++oh) {
        std::fill(column_sums, column_sums + W, 0.0f);
        for (int64_t ih = b.row_begin[oh]; ih < b.row_end[oh]; ++ih)
          for (int64_t iw = 0; iw < W; ++iw) column_sums[iw] += plane[ih * W + iw];
        float* out_row = out + (p * OH + oh) * OW;
        for (int64_t ow = 0; ow < OW; ++ow) {
          float sum = 0.0f;
          for (int64_t iw = b.col_begin[ow]; iw < b.col_end[ow]; ++iw) sum += column_sums[iw];
          out_row[ow] = sum / b.divisor[oh * OW + ow];
        }
      }
    }
  });
}

// The same two passes backwards: a window row's shares spread over one row of
// W (cell iw gets the share of every window whose columns hold it), then that
// row added to each input row of the window row, W columns at once.
void box_average_backward(const Boxes& b, int64_t planes, const float* dout, float* dx) {
  const int64_t H = b.H, W = b.W, OH = b.OH, OW = b.OW;
  parallel_for(0, planes, plane_grain(H * W), [&](int64_t lo, int64_t hi) {
    std::fill(dx + lo * H * W, dx + hi * H * W, 0.0f);
    std::vector<float> shares(W);
    float* __restrict spread = shares.data();
    for (int64_t p = lo; p < hi; ++p) {
      float* dplane = dx + p * H * W;
      for (int64_t oh = 0; oh < OH; ++oh) {
        std::fill(spread, spread + W, 0.0f);
        for (int64_t ow = 0; ow < OW; ++ow) {
          // every cell of the window got 1/divisor of this output
          const float share = dout[(p * OH + oh) * OW + ow] / b.divisor[oh * OW + ow];
          for (int64_t iw = b.col_begin[ow]; iw < b.col_end[ow]; ++iw) spread[iw] += share;
        }
        for (int64_t ih = b.row_begin[oh]; ih < b.row_end[oh]; ++ih)
          for (int64_t iw = 0; iw < W; ++iw) dplane[ih * W + iw] += spread[iw];
      }
    }
  });
}

}  // namespace

void avg_pool2d_forward(const PoolGeometry& g, const float* x, float* out) {
  box_average_forward(avg_pool_boxes(g), g.planes, x, out);
}

void avg_pool2d_backward(const PoolGeometry& g, const float* dout, float* dx) {
  box_average_backward(avg_pool_boxes(g), g.planes, dout, dx);
}

void max_pool2d_forward(const PoolGeometry& g, const float* x, float* out, int64_t* argmax) {
  parallel_for(0, g.planes, plane_grain(g.H * g.W), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const float* plane = x + p * g.H * g.W;
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        const Span rows = clip(oh * g.stride_h - g.pad_h, g.kh, g.H);
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const Span cols = clip(ow * g.stride_w - g.pad_w, g.kw, g.W);
          float best = -std::numeric_limits<float>::infinity();  // what padding holds
          int64_t best_index = -1;
          for (int64_t ih = rows.begin; ih < rows.end; ++ih)
            for (int64_t iw = cols.begin; iw < cols.end; ++iw) {
              const float v = plane[ih * g.W + iw];
              // ASSIGNMENT max_pool_backward/window_max: begin
              // The first real cell is taken even if it is -inf; then a larger
              // number, or any NaN: the last NaN of the window wins, as in
              // PyTorch's kernel (`val > maxval || isnan(val)`), so the
              // gradient and the indices go where PyTorch sends them.
              if (best_index < 0 || v > best || std::isnan(v)) {
                best = v;
                best_index = ih * g.W + iw;
              }
              // ASSIGNMENT max_pool_backward/window_max: end
            }
          out[(p * g.OH + oh) * g.OW + ow] = best;
          argmax[(p * g.OH + oh) * g.OW + ow] = best_index;
        }
      }
    }
  });
}

void max_pool2d_backward(const PoolGeometry& g, const float* dout, const int64_t* argmax,
                         float* dx) {
  // ASSIGNMENT max_pool_backward/max_pool2d_backward: begin
  parallel_for(0, g.planes, plane_grain(g.H * g.W), [&](int64_t lo, int64_t hi) {
    std::fill(dx + lo * g.H * g.W, dx + hi * g.H * g.W, 0.0f);
    for (int64_t p = lo; p < hi; ++p) {
      for (int64_t o = p * g.OH * g.OW; o < (p + 1) * g.OH * g.OW; ++o)
        if (argmax[o] >= 0) dx[p * g.H * g.W + argmax[o]] += dout[o];  // windows may overlap
    }
  });
  // ASSIGNMENT max_pool_backward/max_pool2d_backward: end
}

void adaptive_avg_pool2d_forward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 const float* x, float* out) {
  box_average_forward(adaptive_boxes(H, W, OH, OW), planes, x, out);
}

void adaptive_avg_pool2d_backward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                  const float* dout, float* dx) {
  box_average_backward(adaptive_boxes(H, W, OH, OW), planes, dout, dx);
}

// The first cell of the bin is the start, then any larger value or any NaN
// takes over (PyTorch's adaptive kernel: `val > maxval || isnan(val)`).
void adaptive_max_pool2d_forward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 const float* x, float* out, int64_t* argmax) {
  parallel_for(0, planes, plane_grain(H * W), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const float* plane = x + p * H * W;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = adaptive_bin_start(oh, H, OH), h1 = adaptive_bin_end(oh, H, OH);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = adaptive_bin_start(ow, W, OW), w1 = adaptive_bin_end(ow, W, OW);
          int64_t best_index = h0 * W + w0;
          float best = plane[best_index];
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) {
              const float v = plane[ih * W + iw];
              if (v > best || std::isnan(v)) best = v, best_index = ih * W + iw;
            }
          out[(p * OH + oh) * OW + ow] = best;
          argmax[(p * OH + oh) * OW + ow] = best_index;
        }
      }
    }
  });
}

}  // namespace ag
