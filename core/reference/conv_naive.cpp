// The seven-loop convolution and its two backward loops (see conv_naive.h).
#include "core/reference/conv_naive.h"

#include <algorithm>

namespace ag {

namespace {

// Row-major offsets of the four 4-D tensors a convolution touches.
int64_t x_index(const ConvGeometry& g, int64_t n, int64_t c, int64_t h, int64_t w) {
  return ((n * g.C + c) * g.H + h) * g.W + w;
}
int64_t out_index(const ConvGeometry& g, int64_t n, int64_t o, int64_t oh, int64_t ow) {
  return ((n * g.O + o) * g.OH + oh) * g.OW + ow;
}
int64_t weight_index(const ConvGeometry& g, int64_t o, int64_t c, int64_t i, int64_t j) {
  return ((o * g.in_channels_per_group() + c) * g.kh + i) * g.kw + j;
}

}  // namespace

void conv2d_forward_naive(const ConvGeometry& g, const float* x, const float* weight,
                          const float* bias, float* out) {
  const int64_t Cg = g.in_channels_per_group(), Og = g.out_channels_per_group();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t o = 0; o < g.O; ++o) {
      const int64_t first_channel = (o / Og) * Cg;  // the group's input channels start here
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          float sum = bias != nullptr ? bias[o] : 0.0f;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < g.kh; ++i)
              for (int64_t j = 0; j < g.kw; ++j) {
                const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
                const int64_t iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;  // padding is 0
                sum += weight[weight_index(g, o, c, i, j)] *
                       x[x_index(g, n, first_channel + c, ih, iw)];
              }
          out[out_index(g, n, o, oh, ow)] = sum;
        }
    }
}

// out += w * x at every tap, so dx += w * dout there: scatter dout back
// through the same seven loops.
void conv2d_backward_input_naive(const ConvGeometry& g, const float* dout, const float* weight,
                                 float* dx) {
  // ASSIGNMENT conv2d_backward_runner/conv2d_backward_input_naive: begin
  const int64_t Cg = g.in_channels_per_group(), Og = g.out_channels_per_group();
  std::fill(dx, dx + g.N * g.C * g.H * g.W, 0.0f);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t o = 0; o < g.O; ++o) {
      const int64_t first_channel = (o / Og) * Cg;
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const float d = dout[out_index(g, n, o, oh, ow)];
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < g.kh; ++i)
              for (int64_t j = 0; j < g.kw; ++j) {
                const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
                const int64_t iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;  // no input there
                dx[x_index(g, n, first_channel + c, ih, iw)] +=
                    weight[weight_index(g, o, c, i, j)] * d;
              }
        }
    }
  // ASSIGNMENT conv2d_backward_runner/conv2d_backward_input_naive: end
}

// ...and dw += x * dout at every tap; dbias[o] collects every dout of channel o.
void conv2d_backward_weight_naive(const ConvGeometry& g, const float* dout, const float* x,
                                  float* dweight, float* dbias) {
  // ASSIGNMENT conv2d_backward_runner/conv2d_backward_weight_naive: begin
  const int64_t Cg = g.in_channels_per_group(), Og = g.out_channels_per_group();
  if (dweight != nullptr) std::fill(dweight, dweight + g.O * Cg * g.kh * g.kw, 0.0f);
  if (dbias != nullptr) std::fill(dbias, dbias + g.O, 0.0f);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t o = 0; o < g.O; ++o) {
      const int64_t first_channel = (o / Og) * Cg;
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const float d = dout[out_index(g, n, o, oh, ow)];
          if (dbias != nullptr) dbias[o] += d;
          if (dweight == nullptr) continue;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < g.kh; ++i)
              for (int64_t j = 0; j < g.kw; ++j) {
                const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
                const int64_t iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                dweight[weight_index(g, o, c, i, j)] +=
                    x[x_index(g, n, first_channel + c, ih, iw)] * d;
              }
        }
    }
  // ASSIGNMENT conv2d_backward_runner/conv2d_backward_weight_naive: end
}

}  // namespace ag
