// tutorials/exercises/conv2d_backward.h: assignment A3's interface and the
// forward half of im2col, given (do not edit).
//
// Shape legend: N batch, C input channels, O output channels, H×W input image,
// kh×kw kernel, OH×OW output image, P = OH*OW output positions, K = C*kh*kw
// the length of one receptive field. Row-major, contiguous buffers:
//   x (N, C, H, W), weight (O, C, kh, kw), dout (N, O, OH, OW), col (K, P).
#pragma once

#include <cstdint>

namespace ex {

struct ConvShape {
  int64_t N = 1, C = 1, H = 1, W = 1;  // input
  int64_t O = 1, kh = 1, kw = 1;       // weight
  int64_t stride = 1, pad = 0;         // the same along H and W
  // PyTorch's output size: floor((in + 2*pad - k) / stride) + 1
  int64_t OH() const { return (H + 2 * pad - kh) / stride + 1; }
  int64_t OW() const { return (W + 2 * pad - kw) / stride + 1; }
  int64_t K() const { return C * kh * kw; }
};

// GIVEN. img (C, H, W) -> col (K, P). Row (c, i, j) of col (index (c*kh + i)*kw + j)
// holds, for every output position (oh, ow), the pixel that kernel tap (i, j)
// of channel c sees there: img[c][oh*stride - pad + i][ow*stride - pad + j],
// or 0 where that falls in the padding. The convolution of one image is then
// the matrix product out (O, P) = weight (O, K) · col (K, P).
inline void im2col(const ConvShape& s, const float* img, float* col) {
  const int64_t OH = s.OH(), OW = s.OW();
  for (int64_t c = 0; c < s.C; ++c)
    for (int64_t i = 0; i < s.kh; ++i)
      for (int64_t j = 0; j < s.kw; ++j) {
        float* row = col + ((c * s.kh + i) * s.kw + j) * OH * OW;
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            const int64_t h = oh * s.stride - s.pad + i, w = ow * s.stride - s.pad + j;
            const bool inside = h >= 0 && h < s.H && w >= 0 && w < s.W;
            row[oh * OW + ow] = inside ? img[(c * s.H + h) * s.W + w] : 0.0f;
          }
      }
}

// YOURS. The adjoint of im2col: col (K, P) -> img (C, H, W), every col entry
// added onto the pixel im2col copied it from (padding entries go nowhere).
// Overwrite img: set it to zero first, then add.
void col2im(const ConvShape& s, const float* col, float* img);

// YOURS. dout (N, O, OH, OW) -> dx (N, C, H, W) and dweight (O, C, kh, kw),
// for out = conv2d(x, weight) without bias. Overwrite both outputs.
void conv2d_backward(const ConvShape& s, const float* x, const float* weight, const float* dout,
                     float* dx, float* dweight);

}  // namespace ex
