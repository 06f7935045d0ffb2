// Hand-in fixture (F5 max-pool backward, student "last_tie_naive"): the naive
// twin keeps the LAST of equal maxima (>= where > belongs), so a tie sends its
// gradient to the wrong cell; the fast kernel (core/kernels/pool.cpp, beside
// it) is right. Only the naive twin's tie checks may lose points, named.

// Pooling, one window cell at a time (see pool_naive.h).
#include "core/reference/pool_naive.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ag {

namespace {

bool inside(const PoolGeometry& g, int64_t ih, int64_t iw) {
  return ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
}

// Adaptive pooling's bin i of `out` bins over `in` cells, the textbook way:
// start = floor(i * in / out), end = ceil((i + 1) * in / out).
int64_t bin_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
int64_t bin_end(int64_t i, int64_t in, int64_t out) {
  return static_cast<int64_t>(std::ceil(double((i + 1) * in) / double(out)));
}

// What window (oh, ow)'s sum is divided by, counted cell by cell: the
// override if set, else the cells inside the padded input
// (count_include_pad) or inside the image.
float avg_divisor_naive(const PoolGeometry& g, int64_t oh, int64_t ow) {
  if (g.divisor_override != 0) return float(g.divisor_override);
  float count = 0.0f;
  for (int64_t i = 0; i < g.kh; ++i)
    for (int64_t j = 0; j < g.kw; ++j) {
      const int64_t ih = oh * g.stride_h - g.pad_h + i, iw = ow * g.stride_w - g.pad_w + j;
      const bool in_padded =
          ih >= -g.pad_h && ih < g.H + g.pad_h && iw >= -g.pad_w && iw < g.W + g.pad_w;
      if (g.count_include_pad ? in_padded : inside(g, ih, iw)) count += 1.0f;
    }
  return count;
}

}  // namespace

void avg_pool2d_forward_naive(const PoolGeometry& g, const float* x, float* out) {
  for (int64_t p = 0; p < g.planes; ++p)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        float sum = 0.0f;
        for (int64_t i = 0; i < g.kh; ++i)
          for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t ih = oh * g.stride_h - g.pad_h + i, iw = ow * g.stride_w - g.pad_w + j;
            if (inside(g, ih, iw)) sum += x[(p * g.H + ih) * g.W + iw];  // padding adds 0
          }
        out[(p * g.OH + oh) * g.OW + ow] = sum / avg_divisor_naive(g, oh, ow);  // ...but may count
      }
}

// out = sum(window) / divisor, so each cell in the window receives dout / divisor.
void avg_pool2d_backward_naive(const PoolGeometry& g, const float* dout, float* dx) {
  std::fill(dx, dx + g.planes * g.H * g.W, 0.0f);
  for (int64_t p = 0; p < g.planes; ++p)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow)
        for (int64_t i = 0; i < g.kh; ++i)
          for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t ih = oh * g.stride_h - g.pad_h + i, iw = ow * g.stride_w - g.pad_w + j;
            if (inside(g, ih, iw))
              dx[(p * g.H + ih) * g.W + iw] +=
                  dout[(p * g.OH + oh) * g.OW + ow] / avg_divisor_naive(g, oh, ow);
          }
}

void max_pool2d_forward_naive(const PoolGeometry& g, const float* x, float* out, int64_t* argmax) {
  for (int64_t p = 0; p < g.planes; ++p)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        float best = -std::numeric_limits<float>::infinity();  // padding is -inf
        int64_t best_index = -1;
        for (int64_t i = 0; i < g.kh; ++i)
          for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t ih = oh * g.stride_h - g.pad_h + i, iw = ow * g.stride_w - g.pad_w + j;
            if (!inside(g, ih, iw)) continue;
            const float v = x[(p * g.H + ih) * g.W + iw];
            // ASSIGNMENT max_pool_backward/window_max: begin
            // first real cell always; then a strictly larger one, or any NaN (the last NaN wins)
            if (best_index < 0 || v >= best || std::isnan(v)) {  // (>=: the last tie wins)
              best = v;
              best_index = ih * g.W + iw;
            }
            // ASSIGNMENT max_pool_backward/window_max: end
          }
        out[(p * g.OH + oh) * g.OW + ow] = best;
        argmax[(p * g.OH + oh) * g.OW + ow] = best_index;
      }
}

// ASSIGNMENT max_pool_backward/max_pool2d_backward_naive: begin
// out = x[argmax], so only that cell gets the gradient (accumulated: windows overlap).
void max_pool2d_backward_naive(const PoolGeometry& g, const float* dout, const int64_t* argmax,
                               float* dx) {
  std::fill(dx, dx + g.planes * g.H * g.W, 0.0f);
  for (int64_t p = 0; p < g.planes; ++p)
    for (int64_t o = 0; o < g.OH * g.OW; ++o) {
      const int64_t cell = argmax[p * g.OH * g.OW + o];
      if (cell >= 0) dx[p * g.H * g.W + cell] += dout[p * g.OH * g.OW + o];
    }
}
// ASSIGNMENT max_pool_backward/max_pool2d_backward_naive: end

void adaptive_avg_pool2d_forward_naive(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                       const float* x, float* out) {
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t h0 = bin_start(oh, H, OH), h1 = bin_end(oh, H, OH);
        const int64_t w0 = bin_start(ow, W, OW), w1 = bin_end(ow, W, OW);
        float sum = 0.0f;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) sum += x[(p * H + ih) * W + iw];
        out[(p * OH + oh) * OW + ow] = sum / float((h1 - h0) * (w1 - w0));
      }
}

void adaptive_avg_pool2d_backward_naive(int64_t planes, int64_t H, int64_t W, int64_t OH,
                                        int64_t OW, const float* dout, float* dx) {
  std::fill(dx, dx + planes * H * W, 0.0f);
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t h0 = bin_start(oh, H, OH), h1 = bin_end(oh, H, OH);
        const int64_t w0 = bin_start(ow, W, OW), w1 = bin_end(ow, W, OW);
        const float count = float((h1 - h0) * (w1 - w0));
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw)
            dx[(p * H + ih) * W + iw] += dout[(p * OH + oh) * OW + ow] / count;
      }
}

// Each bin's max, scanning every cell; a larger value or a NaN takes over.
void adaptive_max_pool2d_forward_naive(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                       const float* x, float* out, int64_t* argmax) {
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t h0 = bin_start(oh, H, OH), h1 = bin_end(oh, H, OH);
        const int64_t w0 = bin_start(ow, W, OW), w1 = bin_end(ow, W, OW);
        float best = -std::numeric_limits<float>::infinity();
        int64_t best_index = h0 * W + w0;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) {
            const float v = x[(p * H + ih) * W + iw];
            if (v > best || std::isnan(v)) {
              best = v;
              best_index = ih * W + iw;
            }
          }
        out[(p * OH + oh) * OW + ow] = best;
        argmax[(p * OH + oh) * OW + ow] = best_index;
      }
}

}  // namespace ag
