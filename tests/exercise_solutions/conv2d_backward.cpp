// Reference solution of assignment A3 (tutorials/exercises/conv2d_backward.cpp).
// tests/exercises/test_exercises.cpp grades it (100/100).
//
// For out_n = weight · col_n:  dweight = sum_n dout_n · col_nᵀ,  dcol_n = weightᵀ · dout_n,
// and dx[n] = col2im(dcol_n), col2im being im2col's adjoint (scatter-add).
#include <algorithm>
#include <vector>

#include "tutorials/exercises/conv2d_backward.h"

namespace ex {

void col2im(const ConvShape& s, const float* col, float* img) {
  const int64_t OH = s.OH(), OW = s.OW();
  std::fill(img, img + s.C * s.H * s.W, 0.0f);
  for (int64_t c = 0; c < s.C; ++c)
    for (int64_t i = 0; i < s.kh; ++i)
      for (int64_t j = 0; j < s.kw; ++j) {
        const float* row = col + ((c * s.kh + i) * s.kw + j) * OH * OW;
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            const int64_t h = oh * s.stride - s.pad + i, w = ow * s.stride - s.pad + j;
            if (h >= 0 && h < s.H && w >= 0 && w < s.W)
              img[(c * s.H + h) * s.W + w] += row[oh * OW + ow];
          }
      }
}

void conv2d_backward(const ConvShape& s, const float* x, const float* weight, const float* dout,
                     float* dx, float* dweight) {
  const int64_t K = s.K(), P = s.OH() * s.OW();
  std::vector<float> col(static_cast<size_t>(K * P)), dcol(static_cast<size_t>(K * P));
  std::fill(dweight, dweight + s.O * K, 0.0f);
  for (int64_t n = 0; n < s.N; ++n) {
    const float* dout_n = dout + n * s.O * P;
    im2col(s, x + n * s.C * s.H * s.W, col.data());
    for (int64_t o = 0; o < s.O; ++o)  // dweight (O, K) += dout_n (O, P) · colᵀ (P, K)
      for (int64_t k = 0; k < K; ++k) {
        float acc = 0.0f;
        for (int64_t p = 0; p < P; ++p) acc += dout_n[o * P + p] * col[k * P + p];
        dweight[o * K + k] += acc;
      }
    for (int64_t k = 0; k < K; ++k)  // dcol (K, P) = weightᵀ (K, O) · dout_n (O, P)
      for (int64_t p = 0; p < P; ++p) {
        float acc = 0.0f;
        for (int64_t o = 0; o < s.O; ++o) acc += weight[o * K + k] * dout_n[o * P + p];
        dcol[k * P + p] = acc;
      }
    col2im(s, dcol.data(), dx + n * s.C * s.H * s.W);
  }
}

}  // namespace ex
