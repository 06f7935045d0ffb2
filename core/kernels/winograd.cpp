// core/kernels/winograd.cpp: F(2×2, 3×3), the transforms around 16 GEMMs.
//
// Shape legend (as winograd.h): N batch, C/O input/output channels, H×W
// input, OH×OW output, T tiles of a chunk of images, ξ one of 16 positions.
//
// The three small matrices come from Toom-Cook: the product of a 2-term and
// a 3-term polynomial (4 coefficients) costs 4 multiplies when both are
// evaluated at four points, 0, 1, -1 and ∞, multiplied there, and the
// product interpolated back. F(2, 3), two outputs of a 3-tap correlation,
// is that algorithm transposed (Lavin & Gray, section 4).
//
//        Bᵀ (input, 4×4)      G (filter, 4×3)        Aᵀ (output, 2×4)
//      [ 1   0  -1   0 ]    [  1     0     0  ]    [ 1   1   1   0 ]
//      [ 0   1   1   0 ]    [ 1/2   1/2   1/2 ]    [ 0   1  -1  -1 ]
//      [ 0  -1   1   0 ]    [ 1/2  -1/2   1/2 ]
//      [ 0   1   0  -1 ]    [  0     0     1  ]
//
// G's rows are the filter polynomial at 0, 1, -1, ∞ (the 1/2 of the
// Lagrange interpolation folded into G, so Aᵀ and Bᵀ stay integer). In 2-D
// the same matrices act on both sides: for a 4×4 input tile d and a 3×3
// filter g, the 2×2 output tile is
//     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
// and, summed over input channels, the ⊙ at each of the 16 positions ξ is a
// matrix product: M[ξ] (O, T) = U[ξ] (O, C) · V[ξ] (C, T). Each transform
// below is the matrix product written out, row pass then column pass.
//
// The work goes in chunks of whole images (kTilesPerChunk tiles at most), so
// V and M stay small enough for the caches; chunks go to different threads
// when the batch splits evenly, else one by one with sgemm using the threads.
// The filters are transformed and packed (gemm_packed.h) once per call, not
// cached: in training the weight changes every step, and the backward pass
// needs the flipped transform anyway. It costs 1.1-1.6 ms for 256→256 (make
// bench), 3% of that layer at 16×16 and 10% at 8×8: an eval-mode cache keyed
// on the weight's storage and version would win that back.
//
// Why not F(4×4, 3×3) (6×6 tiles, 4× fewer multiplies instead of 2.25×)? Its
// points ±2 and its 1/24 cost precision: measured on AttentionNet's layers
// (one image, against the seven loops in doubles, worst error over the
// largest output) it reaches 0.5-1.3e-5, where F(2×2, 3×3) stays at
// 0.3-0.8e-6 and im2col at 0.3-0.5e-6. That is the 1e-5 the kernel tests
// allow fast against naive, so it is not built (tests/bench/conv.cpp prints both).
#include "core/kernels/winograd.h"

#include <algorithm>
#include <vector>

#include "core/allocator.h"
#include "core/kernels/conv_small_k.h"
#include "core/kernels/gemm_packed.h"
#include "core/kernels/parallel.h"

namespace ag {

namespace {

constexpr int64_t kPositions = 16;       // a 4×4 tile: ξ = 4·r + s
constexpr int64_t kTilesPerChunk = 128;  // V and M of a chunk: 16·(C + O)·128 floats

int64_t tiles_along(int64_t out_size) { return (out_size + 1) / 2; }

// The distance between the 16 matrices of U, V or M: rows·cols plus one cache
// line. A transform writes (or reads) all 16 at once, and when rows·cols is a
// power of two (128·128 floats, say) the 16 addresses fall in the same cache
// set and evict each other: measured (one thread, 256→256 at 8×8, batch 32)
// the whole call went from 24.7 to 10.3 ms with the skew.
int64_t position_stride(int64_t rows, int64_t cols) { return rows * cols + 16; }

// Weight tap (o, c, i, j) of the convolution being computed. The backward
// pass convolves with the original weight flipped, C and O swapped.
float filter_tap(const float* weight, int64_t O, int64_t C, bool flip_swap, int64_t o, int64_t c,
                 int64_t i, int64_t j) {
  if (!flip_swap) return weight[((o * C + c) * 3 + i) * 3 + j];
  return weight[((c * O + o) * 3 + (2 - i)) * 3 + (2 - j)];  // original weight (C, O, 3, 3)
}

// U (16, O, C): U[ξ][o][c] = (G g Gᵀ)[ξ] of the filter g of (o, c).
void transform_filters(int64_t O, int64_t C, const float* weight, bool flip_swap, float* U) {
  const int64_t stride = position_stride(O, C);
  parallel_for(0, O, 8, [&](int64_t o_lo, int64_t o_hi) {
    for (int64_t o = o_lo; o < o_hi; ++o) {
      for (int64_t c = 0; c < C; ++c) {
        float g[3][3], gg[4][3];
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j) g[i][j] = filter_tap(weight, O, C, flip_swap, o, c, i, j);
        for (int j = 0; j < 3; ++j) {  // G g: the row pass
          gg[0][j] = g[0][j];
          gg[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
          gg[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
          gg[3][j] = g[2][j];
        }
        for (int r = 0; r < 4; ++r) {                 // (G g) Gᵀ: the column pass
          float* u = U + 4 * r * stride + o * C + c;  // U[4r][o][c]; ξ + 1 is stride further
          u[0] = gg[r][0];
          u[stride] = 0.5f * (gg[r][0] + gg[r][1] + gg[r][2]);
          u[2 * stride] = 0.5f * (gg[r][0] - gg[r][1] + gg[r][2]);
          u[3 * stride] = gg[r][2];
        }
      }
    }
  });
}

// V (16, C, T) for images n0 .. n1-1: V[ξ][c][t] = (Bᵀ d B)[ξ] of input tile t
// of channel c, which starts at row 2·ty - pad_h and column 2·tx - pad_w.
void transform_inputs(const ConvGeometry& g, const float* x, int64_t n0, int64_t n1, float* V) {
  const int64_t th = tiles_along(g.OH), tw = tiles_along(g.OW), T = (n1 - n0) * th * tw;
  const int64_t stride = position_stride(g.C, T);
  parallel_for(0, g.C, 4, [&](int64_t c_lo, int64_t c_hi) {
    for (int64_t c = c_lo; c < c_hi; ++c) {
      for (int64_t n = n0; n < n1; ++n) {
        const float* plane = x + (n * g.C + c) * g.H * g.W;
        for (int64_t ty = 0; ty < th; ++ty) {
          for (int64_t tx = 0; tx < tw; ++tx) {
            const int64_t h0 = 2 * ty - g.pad_h, w0 = 2 * tx - g.pad_w;
            float d[4][4], t[4][4];
            for (int r = 0; r < 4; ++r)
              for (int s = 0; s < 4; ++s) {
                const int64_t h = h0 + r, w = w0 + s;  // outside the image: padding, 0
                d[r][s] = (h >= 0 && h < g.H && w >= 0 && w < g.W) ? plane[h * g.W + w] : 0.0f;
              }
            for (int s = 0; s < 4; ++s) {  // Bᵀ d
              t[0][s] = d[0][s] - d[2][s];
              t[1][s] = d[1][s] + d[2][s];
              t[2][s] = d[2][s] - d[1][s];
              t[3][s] = d[1][s] - d[3][s];
            }
            const int64_t tile = ((n - n0) * th + ty) * tw + tx;
            float* v = V + c * T + tile;   // V[0][c][tile]; ξ + 1 is C·T further
            for (int r = 0; r < 4; ++r) {  // (Bᵀ d) B
              v[(4 * r + 0) * stride] = t[r][0] - t[r][2];
              v[(4 * r + 1) * stride] = t[r][1] + t[r][2];
              v[(4 * r + 2) * stride] = t[r][2] - t[r][1];
              v[(4 * r + 3) * stride] = t[r][1] - t[r][3];
            }
          }
        }
      }
    }
  });
}

// out for images n0 .. n1-1 from M (16, O, T): each 2×2 tile is Aᵀ m A (+ bias),
// the pixels past OH or OW (an odd output size) dropped.
void transform_outputs(const ConvGeometry& g, const float* M, const float* bias, int64_t n0,
                       int64_t n1, float* out) {
  const int64_t th = tiles_along(g.OH), tw = tiles_along(g.OW), T = (n1 - n0) * th * tw;
  const int64_t stride = position_stride(g.O, T);
  parallel_for(0, g.O, 4, [&](int64_t o_lo, int64_t o_hi) {
    for (int64_t o = o_lo; o < o_hi; ++o) {
      const float b = bias != nullptr ? bias[o] : 0.0f;
      for (int64_t n = n0; n < n1; ++n) {
        float* plane = out + (n * g.O + o) * g.OH * g.OW;
        for (int64_t ty = 0; ty < th; ++ty) {
          for (int64_t tx = 0; tx < tw; ++tx) {
            const float* m = M + o * T + ((n - n0) * th + ty) * tw + tx;  // ξ + 1 is stride further
            float a[2][4];
            for (int s = 0; s < 4; ++s) {  // Aᵀ m
              const float m0 = m[s * stride], m1 = m[(4 + s) * stride];
              const float m2 = m[(8 + s) * stride], m3 = m[(12 + s) * stride];
              a[0][s] = m0 + m1 + m2;
              a[1][s] = m1 - m2 - m3;
            }
            for (int r = 0; r < 2; ++r) {  // (Aᵀ m) A
              const int64_t oh = 2 * ty + r;
              if (oh >= g.OH) break;
              float* row = plane + oh * g.OW + 2 * tx;
              row[0] = a[r][0] + a[r][1] + a[r][2] + b;
              if (2 * tx + 1 < g.OW) row[1] = a[r][1] - a[r][2] - a[r][3] + b;
            }
          }
        }
      }
    }
  });
}

// The fused conv's epilogue (conv.h) after the bias: out += residual, then
// max(., 0), over the images n0 .. n1-1 the output transform has just written
// (a chunk: at most kTilesPerChunk tiles of O channels, still in L2). Inside
// the transform's tile loop, gemm.h's Epilogue::apply per number made the
// whole Winograd conv 2-7% slower (one thread, 64→128 at 16×16 and 128→256
// at 8×8, batch 32); this short vectorized pass over hot memory costs less.
void finish_chunk(const ConvGeometry& g, const ConvEpilogue& then, int64_t n0, int64_t n1,
                  float* out) {
  const int64_t image = g.O * g.OH * g.OW;
  parallel_for(n0 * image, n1 * image, 1 << 14, [&](int64_t lo, int64_t hi) {
    if (then.residual)
      for (int64_t i = lo; i < hi; ++i) out[i] += then.residual[i];
    if (then.relu)
      for (int64_t i = lo; i < hi; ++i) out[i] = out[i] < 0.0f ? 0.0f : out[i];
  });
}

// The whole convolution of geometry g (pad may be negative: a crop), with
// the weight read through filter_tap.
void winograd_run(const ConvGeometry& g, const float* x, const float* weight, bool flip_swap,
                  const float* bias, const ConvEpilogue& then, float* out) {
  if (g.N == 0) return;
  FloatBuffer U(kPositions * position_stride(g.O, g.C));
  transform_filters(g.O, g.C, weight, flip_swap, U.data());
  std::vector<PackedA> packed;  // U[ξ] packed once, read by every chunk and thread
  for (int64_t xi = 0; xi < kPositions; ++xi)
    packed.emplace_back(false, g.O, g.C, U.data() + xi * position_stride(g.O, g.C), g.C);

  const int64_t tiles_per_image = tiles_along(g.OH) * tiles_along(g.OW);
  const int64_t images_per_chunk = std::max<int64_t>(1, kTilesPerChunk / tiles_per_image);
  const int64_t chunks = (g.N + images_per_chunk - 1) / images_per_chunk;
  const int64_t max_T = std::min(images_per_chunk, g.N) * tiles_per_image;
  auto run_chunks = [&](int64_t lo, int64_t hi) {
    FloatBuffer V(kPositions * position_stride(g.C, max_T));
    FloatBuffer M(kPositions * position_stride(g.O, max_T));
    for (int64_t chunk = lo; chunk < hi; ++chunk) {
      const int64_t n0 = chunk * images_per_chunk, n1 = std::min(g.N, n0 + images_per_chunk);
      const int64_t T = (n1 - n0) * tiles_per_image;
      transform_inputs(g, x, n0, n1, V.data());
      for (int64_t xi = 0; xi < kPositions; ++xi)  // M[ξ] (O, T) = U[ξ] (O, C) · V[ξ] (C, T)
        sgemm_packed(packed[xi], T, 1.0f, matrix_rows(V.data() + xi * position_stride(g.C, T), T),
                     0.0f, M.data() + xi * position_stride(g.O, T), T);
      transform_outputs(g, M.data(), bias, n0, n1, out);
      if (then.residual || then.relu) finish_chunk(g, then, n0, n1, out);
    }
  };
  const int64_t threads = get_num_threads();
  if (threads > 1 && chunks >= threads && (chunks % threads == 0 || chunks >= 4 * threads))
    parallel_for(0, chunks, 1, run_chunks);  // chunks in parallel, each serial inside
  else
    run_chunks(0, chunks);  // one by one, sgemm and the transforms using the threads
}

}  // namespace

bool winograd_applies(const ConvGeometry& g) {
  return g.kh == 3 && g.kw == 3 && g.stride_h == 1 && g.stride_w == 1 && g.dilation_h == 1 &&
         g.dilation_w == 1 && g.groups == 1;
}

// Measured in CPU time on one thread (the shared machine's load makes wall
// time unreliable), forward, batch 32, padding 1, ms im2col -> Winograd:
//   C→O at H×W      im2col  Winograd        C→O at H×W      im2col  Winograd
//   256→256  8×8    14.9    10.3            32→32   16×16   1.50    1.34
//   128→256  8×8     7.9     5.2            32→32    4×4    0.33    0.10
//   128→128 16×16   16.0    10.6            64→64    2×2    0.93    0.11
//    64→128 16×16    7.6     5.7            16→16   16×16   0.52    0.56 (loses)
// and the first layer, 3→64, loses 14× (the 16 GEMMs have K = 3). Small maps
// win too (im2col's GEMM is as short as the map), so the rule is on channels.
bool winograd_wins(const ConvGeometry& g) { return winograd_applies(g) && g.C >= 32 && g.O >= 32; }

Conv2dForwardFn* conv2d_forward_for(const ConvGeometry& g) {
  if (small_k_applies(g)) return small_k_conv2d_forward;  // a short field: conv_small_k.h
  return winograd_wins(g) ? winograd_conv2d_forward : conv2d_forward;
}

Conv2dBackwardInputFn* conv2d_backward_input_for(const ConvGeometry& g) {
  return winograd_applies(g) && winograd_wins(winograd_backward_input_geometry(g))
             ? winograd_conv2d_backward_input
             : conv2d_backward_input;
}

void winograd_conv2d_forward(const ConvGeometry& g, const float* x, const float* weight,
                             const float* bias, float* out) {
  winograd_run(g, x, weight, /*flip_swap=*/false, bias, ConvEpilogue{}, out);
}

void winograd_conv2d_forward_fused(const ConvGeometry& g, const float* x, const float* weight,
                                   const float* bias, const ConvEpilogue& then, float* out) {
  winograd_run(g, x, weight, /*flip_swap=*/false, bias, then, out);
}

void conv2d_forward_fused_fastest(const ConvGeometry& g, const float* x, const float* weight,
                                  const float* bias, const ConvEpilogue& then, float* out) {
  if (winograd_wins(g))
    winograd_conv2d_forward_fused(g, x, weight, bias, then, out);
  else
    conv2d_forward_fused(g, x, weight, bias, then, out);
}

ConvGeometry winograd_backward_input_geometry(const ConvGeometry& g) {
  ConvGeometry b = g;
  b.C = g.O, b.O = g.C, b.H = g.OH, b.W = g.OW;
  b.pad_h = 2 - g.pad_h, b.pad_w = 2 - g.pad_w;
  b.OH = g.H, b.OW = g.W;  // OH + 2·(2 - pad) - 2 = H for stride 1
  return b;
}

void winograd_conv2d_backward_input(const ConvGeometry& g, const float* dout, const float* weight,
                                    float* dx) {
  winograd_run(winograd_backward_input_geometry(g), dout, weight, /*flip_swap=*/true, nullptr,
               ConvEpilogue{}, dx);
}

}  // namespace ag
