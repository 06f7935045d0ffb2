// The seven-loop transposed convolution and its two backward loops
// (see conv_transpose_naive.h).
#include "core/reference/conv_transpose_naive.h"

#include <algorithm>

namespace ag {

namespace {

// Row-major offsets of the tensors a transposed convolution touches.
int64_t x_index(const ConvTransposeGeometry& g, int64_t n, int64_t c, int64_t h, int64_t w) {
  return ((n * g.C + c) * g.H + h) * g.W + w;
}
int64_t out_index(const ConvTransposeGeometry& g, int64_t n, int64_t o, int64_t oh, int64_t ow) {
  return ((n * g.O + o) * g.OH + oh) * g.OW + ow;
}
// weight (C, Og, kh, kw): input channel c, output channel o_in_group of c's group.
int64_t weight_index(const ConvTransposeGeometry& g, int64_t c, int64_t o_in_group, int64_t i,
                     int64_t j) {
  return ((c * g.out_channels_per_group() + o_in_group) * g.kh + i) * g.kw + j;
}

// Calls tap(n, c, ih, iw, o, i, j, out_offset) for every multiply-add of the
// forward whose output position (oh, ow) lands inside the output.
template <class Tap>
void for_each_tap(const ConvTransposeGeometry& g, const Tap& tap) {
  const int64_t Cg = g.in_channels_per_group(), Og = g.out_channels_per_group();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t c = 0; c < g.C; ++c) {
      const int64_t first_out = (c / Cg) * Og;  // the group's output channels start here
      for (int64_t ih = 0; ih < g.H; ++ih)
        for (int64_t iw = 0; iw < g.W; ++iw)
          for (int64_t o = 0; o < Og; ++o)
            for (int64_t i = 0; i < g.kh; ++i)
              for (int64_t j = 0; j < g.kw; ++j) {
                const int64_t oh = ih * g.stride_h - g.pad_h + i * g.dilation_h;
                const int64_t ow = iw * g.stride_w - g.pad_w + j * g.dilation_w;
                if (oh < 0 || oh >= g.OH || ow < 0 || ow >= g.OW) continue;  // cropped by padding
                tap(n, c, ih, iw, o, i, j, out_index(g, n, first_out + o, oh, ow));
              }
    }
}

}  // namespace

void conv_transpose2d_forward_naive(const ConvTransposeGeometry& g, const float* x,
                                    const float* weight, const float* bias, float* out) {
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t p = 0; p < g.OH * g.OW; ++p)
        out[out_index(g, n, o, 0, 0) + p] = bias != nullptr ? bias[o] : 0.0f;
  for_each_tap(g, [&](int64_t n, int64_t c, int64_t ih, int64_t iw, int64_t o, int64_t i, int64_t j,
                      int64_t at) {
    out[at] += x[x_index(g, n, c, ih, iw)] * weight[weight_index(g, c, o, i, j)];
  });
}

// out[at] += x * w at every tap, so dx += dout[at] * w there.
void conv_transpose2d_backward_input_naive(const ConvTransposeGeometry& g, const float* dout,
                                           const float* weight, float* dx) {
  std::fill(dx, dx + g.N * g.C * g.H * g.W, 0.0f);
  for_each_tap(g, [&](int64_t n, int64_t c, int64_t ih, int64_t iw, int64_t o, int64_t i, int64_t j,
                      int64_t at) {
    dx[x_index(g, n, c, ih, iw)] += dout[at] * weight[weight_index(g, c, o, i, j)];
  });
}

// ... and dw += dout[at] * x there; dbias[o] = dout summed over n, oh, ow.
void conv_transpose2d_backward_weight_naive(const ConvTransposeGeometry& g, const float* dout,
                                            const float* x, float* dweight, float* dbias) {
  if (dweight != nullptr) {
    std::fill(dweight, dweight + g.C * g.out_channels_per_group() * g.kh * g.kw, 0.0f);
    for_each_tap(g, [&](int64_t n, int64_t c, int64_t ih, int64_t iw, int64_t o, int64_t i,
                        int64_t j, int64_t at) {
      dweight[weight_index(g, c, o, i, j)] += dout[at] * x[x_index(g, n, c, ih, iw)];
    });
  }
  if (dbias != nullptr) {
    for (int64_t o = 0; o < g.O; ++o) {
      float total = 0.0f;
      for (int64_t n = 0; n < g.N; ++n)
        for (int64_t p = 0; p < g.OH * g.OW; ++p) total += dout[out_index(g, n, o, 0, 0) + p];
      dbias[o] = total;
    }
  }
}

}  // namespace ag
