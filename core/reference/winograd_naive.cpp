// core/reference/winograd_naive.cpp: the textbook loop of F(2×2, 3×3).
// Shape legend and the formula: winograd_naive.h.
#include "core/reference/winograd_naive.h"

#include <vector>

#include "core/kernels/winograd.h"

namespace ag {

namespace {

// The three matrices of core/kernels/winograd.cpp (Toom-Cook points 0, 1, -1, ∞).
constexpr float kBt[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
constexpr float kG[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
constexpr float kAt[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};

// out (rows × cols) = left (rows × inner) · right (inner × cols), row-major.
void matmul_small(const float* left, const float* right, int rows, int inner, int cols,
                  float* out) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      float sum = 0.0f;
      for (int k = 0; k < inner; ++k) sum += left[r * inner + k] * right[k * cols + c];
      out[r * cols + c] = sum;
    }
}

// The transpose of a (rows × cols) matrix.
std::vector<float> transposed(const float* m, int rows, int cols) {
  std::vector<float> t(rows * cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  return t;
}

// The convolution of geometry g (its padding may be negative: a crop).
void winograd_naive(const ConvGeometry& g, const float* x, const float* weight, const float* bias,
                    float* out) {
  const std::vector<float> B = transposed(&kBt[0][0], 4, 4), Gt = transposed(&kG[0][0], 4, 3);
  const std::vector<float> A = transposed(&kAt[0][0], 2, 4);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t oh0 = 0; oh0 < g.OH; oh0 += 2)
        for (int64_t ow0 = 0; ow0 < g.OW; ow0 += 2) {
          float sum[16] = {};  // Σ_c (G g Gᵀ) ⊙ (Bᵀ d B)
          for (int64_t c = 0; c < g.C; ++c) {
            float d[16], filter[9], tmp[16], V[16], U[16];
            for (int r = 0; r < 4; ++r)
              for (int s = 0; s < 4; ++s) {  // the input tile, 0 in the padding
                const int64_t h = oh0 - g.pad_h + r, w = ow0 - g.pad_w + s;
                const bool inside = h >= 0 && h < g.H && w >= 0 && w < g.W;
                d[r * 4 + s] = inside ? x[((n * g.C + c) * g.H + h) * g.W + w] : 0.0f;
              }
            for (int i = 0; i < 9; ++i) filter[i] = weight[(o * g.C + c) * 9 + i];
            matmul_small(&kBt[0][0], d, 4, 4, 4, tmp);      // Bᵀ d
            matmul_small(tmp, B.data(), 4, 4, 4, V);        // (Bᵀ d) B
            matmul_small(&kG[0][0], filter, 4, 3, 3, tmp);  // G g
            matmul_small(tmp, Gt.data(), 4, 3, 4, U);       // (G g) Gᵀ
            for (int xi = 0; xi < 16; ++xi) sum[xi] += U[xi] * V[xi];
          }
          float left[8], Y[4];
          matmul_small(&kAt[0][0], sum, 2, 4, 4, left);  // Aᵀ sum
          matmul_small(left, A.data(), 2, 4, 2, Y);      // (Aᵀ sum) A
          for (int r = 0; r < 2; ++r)
            for (int s = 0; s < 2; ++s) {
              const int64_t oh = oh0 + r, ow = ow0 + s;
              if (oh >= g.OH || ow >= g.OW) continue;  // an odd output size: the tile overhangs
              out[((n * g.O + o) * g.OH + oh) * g.OW + ow] =
                  Y[r * 2 + s] + (bias != nullptr ? bias[o] : 0.0f);
            }
        }
}

}  // namespace

void winograd_conv2d_forward_naive(const ConvGeometry& g, const float* x, const float* weight,
                                   const float* bias, float* out) {
  winograd_naive(g, x, weight, bias, out);
}

// dx is the forward on dout with the weight flipped and C and O swapped:
// flipped[c][o][i][j] = weight[o][c][2-i][2-j].
void winograd_conv2d_backward_input_naive(const ConvGeometry& g, const float* dout,
                                          const float* weight, float* dx) {
  std::vector<float> flipped(g.O * g.C * 9);
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < g.C; ++c)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
          flipped[((c * g.O + o) * 3 + i) * 3 + j] =
              weight[((o * g.C + c) * 3 + 2 - i) * 3 + 2 - j];
  winograd_naive(winograd_backward_input_geometry(g), dout, flipped.data(), nullptr, dx);
}

}  // namespace ag
