// tests/helpers/conv_test_util.h: what the convolution op suites share
// (test_conv.cpp, test_conv_same.cpp, test_conv1d.cpp, test_conv_transpose.cpp).
//
// Shape legend: x (N, C, H, W), w (O, Cg, kh, kw) with Cg = C / groups,
// out (N, O, OH, OW); conv1d's are the same with H = kh = OH = 1.
#pragma once

#include <cstdint>
#include <vector>

#include "tests/helpers/op_modes_util.h"

namespace ag_test {

using Inputs = std::vector<ag::Tensor>;

// A random input that requires grad, for gradcheck and check_modes_agree.
inline ag::Tensor leaf(const ag::Shape& shape) { return ag::randn(shape, true); }

// Where the window of output (r, c) starts and how it is spread: input row
// r·stride_h - top + i·dilation_h for tap row i (columns alike). top and left
// are the padding before the image; after it, only the output size says.
struct PlainConv {
  int64_t stride_h = 1, stride_w = 1;
  int64_t top = 0, left = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  int64_t OH = 1, OW = 1;
};

// out[n, o, r, c] = bias[o] + sum over ci, i, j of w[o, ci, i, j] ·
// x[n, g·Cg + ci, r·stride_h - top + i·dilation_h, c·stride_w - left + j·dilation_w]
// (zero outside the image; g = o / Og is o's group), in doubles, independent
// of the library's kernels. bias may be undefined.
inline std::vector<float> plain_conv2d(const ag::Tensor& x, const ag::Tensor& w,
                                       const ag::Tensor& bias, const PlainConv& p) {
  const int64_t N = x.size(0), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(0), Cg = w.size(1), kh = w.size(2), kw = w.size(3), Og = O / p.groups;
  std::vector<float> out;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t r = 0; r < p.OH; ++r)
        for (int64_t c = 0; c < p.OW; ++c) {
          double sum = bias.defined() ? bias.at({o}) : 0.0;
          for (int64_t ci = 0; ci < Cg; ++ci)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t h = r * p.stride_h - p.top + i * p.dilation_h;
                const int64_t col = c * p.stride_w - p.left + j * p.dilation_w;
                if (h >= 0 && h < H && col >= 0 && col < W)
                  sum += double(w.at({o, ci, i, j})) * x.at({n, (o / Og) * Cg + ci, h, col});
              }
          out.push_back(float(sum));
        }
  return out;
}

// conv1d's out[n, o, t] by the same loop over a height of 1: x (N, C, L),
// w (O, Cg, k), the same padding on both ends.
inline std::vector<float> plain_conv1d(const ag::Tensor& x, const ag::Tensor& w,
                                       const ag::Tensor& bias, int64_t stride, int64_t pad,
                                       int64_t dilation, int64_t groups) {
  const int64_t L = x.size(2), k = w.size(2);
  PlainConv p;
  p.stride_w = stride, p.left = pad, p.dilation_w = dilation, p.groups = groups;
  p.OW = (L + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  return plain_conv2d(ag::reshape(x, {x.size(0), x.size(1), 1, L}),
                      ag::reshape(w, {w.size(0), w.size(1), 1, k}), bias, p);
}

}  // namespace ag_test
