// Hand-in fixture (F5 max-pool backward, student "last_tie_naive"): the
// student's core/kernels/pool.cpp, right, handed in with
// core/reference/pool_naive.cpp (beside it), whose naive twin is wrong.

// The fast pooling kernels: planes in parallel, each window's bounds clipped
// to the image once (instead of a bounds test per cell), so the inner loops
// are plain runs over memory.
//
// Shape legend (as pool.h): P = N*C planes of H×W, OH×OW output,
// kh×kw window.
#include "core/kernels/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

}  // namespace

void avg_pool2d_forward(const PoolGeometry& g, const float* x, float* out) {
  parallel_for(0, g.planes, plane_grain(g.H * g.W), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const float* plane = x + p * g.H * g.W;
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        const Span rows = clip(oh * g.stride_h - g.pad_h, g.kh, g.H);
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const Span cols = clip(ow * g.stride_w - g.pad_w, g.kw, g.W);
          float sum = 0.0f;
          for (int64_t ih = rows.begin; ih < rows.end; ++ih)
            for (int64_t iw = cols.begin; iw < cols.end; ++iw) sum += plane[ih * g.W + iw];
          out[(p * g.OH + oh) * g.OW + ow] =
              sum /
              avg_divisor(g, oh * g.stride_h - g.pad_h, ow * g.stride_w - g.pad_w, rows, cols);
        }
      }
    }
  });
}

void avg_pool2d_backward(const PoolGeometry& g, const float* dout, float* dx) {
  parallel_for(0, g.planes, plane_grain(g.H * g.W), [&](int64_t lo, int64_t hi) {
    std::fill(dx + lo * g.H * g.W, dx + hi * g.H * g.W, 0.0f);
    for (int64_t p = lo; p < hi; ++p) {
      float* dplane = dx + p * g.H * g.W;
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        const Span rows = clip(oh * g.stride_h - g.pad_h, g.kh, g.H);
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const Span cols = clip(ow * g.stride_w - g.pad_w, g.kw, g.W);
          // every cell of the window got 1/divisor of this output
          const float share =
              dout[(p * g.OH + oh) * g.OW + ow] /
              avg_divisor(g, oh * g.stride_h - g.pad_h, ow * g.stride_w - g.pad_w, rows, cols);
          for (int64_t ih = rows.begin; ih < rows.end; ++ih)
            for (int64_t iw = cols.begin; iw < cols.end; ++iw) dplane[ih * g.W + iw] += share;
        }
      }
    }
  });
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
  parallel_for(0, planes, plane_grain(H * W), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const float* plane = x + p * H * W;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = adaptive_bin_start(oh, H, OH), h1 = adaptive_bin_end(oh, H, OH);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = adaptive_bin_start(ow, W, OW), w1 = adaptive_bin_end(ow, W, OW);
          float sum = 0.0f;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) sum += plane[ih * W + iw];
          out[(p * OH + oh) * OW + ow] = sum / float((h1 - h0) * (w1 - w0));
        }
      }
    }
  });
}

void adaptive_avg_pool2d_backward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                  const float* dout, float* dx) {
  parallel_for(0, planes, plane_grain(H * W), [&](int64_t lo, int64_t hi) {
    std::fill(dx + lo * H * W, dx + hi * H * W, 0.0f);
    for (int64_t p = lo; p < hi; ++p) {
      float* dplane = dx + p * H * W;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = adaptive_bin_start(oh, H, OH), h1 = adaptive_bin_end(oh, H, OH);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = adaptive_bin_start(ow, W, OW), w1 = adaptive_bin_end(ow, W, OW);
          const float share = dout[(p * OH + oh) * OW + ow] / float((h1 - h0) * (w1 - w0));
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) dplane[ih * W + iw] += share;
        }
      }
    }
  });
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
