// The small-K convolution (conv_small_k.h says why it exists): im2col into a
// small panel that stays in L1, then register tiles that run the whole sum
// over K without leaving the registers.
//
// Shape legend (as conv_small_k.h): N batch, O output channels, Og per group,
// K = Cg·kh·kw, P = OH·OW output positions, L lanes per vector.
//
//   panel  (K, kChunk)        im2col's rows for kChunk pixels p0 .. p0+kChunk-1
//                             (columns past the image's last pixel are 0)
//   forward tile              Rows output channels × kTileVectors·L pixels,
//                             Rows·kTileVectors accumulators
//   weight-gradient tile      Rows output channels × kTaps taps, each a
//                             vector of L partial sums over pixels
//
// Measured on the first layer of AttentionNet (N 32, C 3 → O 64, 16×16, 3×3,
// padding 1; build/bench/small_layers, best of 7 alternating medians, one
// thread, on the shared 2-core machine at a load average of 13-20):
//   forward          im2col + sgemm 0.243 ms (116 GFLOP/s), here 0.182 ms (156)
//   dweight + dbias  im2col + sgemm 0.385 ms (74 GFLOP/s),  here 0.320 ms (88)
// and the forward on other short fields, same batch, O 64, 16×16, CPU time:
//   K = 18 (C 2, 3×3)  95 → 141 GFLOP/s      K = 25 (C 1, 5×5)  107 → 152
//   K = 32 (C 8, 2×2, OW 17: through the panel)                 98 → 113
// The forward's tile runs near the FMA peak (24 multiply-adds per 4 loads and
// 6 broadcasts); the rest was im2col_row (20% of its profile) until the
// tiles learned to read the padded image in place.
#include "core/kernels/conv_small_k.h"

#include <algorithm>

#include "core/allocator.h"
#include "core/kernels/parallel.h"
#include "core/kernels/simd.h"

namespace ag {

namespace {

constexpr int kLanes = simd::kNativeLanes;
typedef float vfloat __attribute__((vector_size(kLanes * sizeof(float))));

// The forward tile: kTileRows·kTileVectors accumulators, plus kTileVectors
// column vectors and a broadcast weight, must fit the register file (24 + 4 +
// 1 of AVX-512's 32; 12 + 4 + 1 of AVX2's 16).
constexpr int kTileVectors = 4;
constexpr int kTileRows = simd::kVectorRegisters >= 32 ? 6 : 3;
// The weight-gradient tile: kGradRows·kTaps partial sums, kTaps column
// vectors and one dout vector (24 + 3 + 1 of 32; 12 + 3 + 1 of 16). Three
// taps, since a 3×3 kernel's K = 9·Cg is a multiple of 3.
constexpr int kTaps = 3;
constexpr int kGradRows = simd::kVectorRegisters >= 32 ? 8 : 4;
// Pixels per panel: 16 vectors, so a K = 27 panel is 27 KB (16 floats a lane).
constexpr int64_t kChunk = 16 * kLanes;

int64_t round_up(int64_t n, int64_t multiple) { return (n + multiple - 1) / multiple * multiple; }

// Images in parallel, or one at a time with the pixels (forward) or the
// output channels (weight gradient) split over the threads: conv.cpp's rule.
bool images_in_parallel(int64_t N) {
  const int64_t threads = get_num_threads();
  return threads > 1 && N >= threads && (N % threads == 0 || N >= 4 * threads);
}

// panel (rows, kChunk) = im2col's rows 0 .. K-1 at pixels p0 .. p0+count-1,
// then, if `ones`, a row K of 1s (the weight gradient's sum for the bias);
// every other row and every column past count is 0.
void fill_panel(const ConvGeometry& g, const float* padded, int64_t p0, int64_t count, int64_t rows,
                bool ones, float* panel) {
  const int64_t K = g.field_size();
  for (int64_t tap = 0; tap < K; ++tap) {
    float* row = panel + tap * kChunk;
    im2col_row(g, padded, tap, p0, count, row);
    std::fill(row + count, row + kChunk, 0.0f);
  }
  std::fill(panel + K * kChunk, panel + rows * kChunk, 0.0f);
  if (ones) std::fill(panel + K * kChunk, panel + K * kChunk + count, 1.0f);
}

// ---------------------------------------------------------------- forward
// Where a tile reads col's numbers: the vector v of row k (tap k) of its
// pixels starts at src + row_offset[k] + vector_offset[v]. Two sources:
//   - the panel: src = panel, row_offset[k] = k·kChunk, vector_offset[v] =
//     the tile's first pixel in the chunk + v·L;
//   - the padded image itself, when every vector of L output pixels lies in
//     one output row and reads L neighbouring input pixels (stride_w 1 and
//     OW a multiple of L: AttentionNet's 16×16 maps): row_offset[k] is where
//     tap k's input row starts for output pixel (0, 0), vector_offset[v] where
//     the vector's output pixel (oh, ow) moves it. No copy at all then.
struct ColumnSource {
  const float* src;
  const int64_t* row_offset;  // K entries
};

// out rows 0 .. Rows-1 (stride P), pixels 0 .. valid-1 of this tile:
//   out[r][p] = bias[r] + Σ_k weight[r][k] · col[k][p]
// weight rows are K apart; bias may be null.
template <int Rows>
void forward_tile(const float* weight, int64_t K, ColumnSource col, const int64_t* vector_offset,
                  const float* bias, float* out, int64_t P, int64_t valid) {
  vfloat acc[Rows][kTileVectors];
  for (int r = 0; r < Rows; ++r) {
    const vfloat start = vfloat{} + (bias ? bias[r] : 0.0f);  // the bias in every lane
    for (int v = 0; v < kTileVectors; ++v) acc[r][v] = start;
  }
  const float* vector_start[kTileVectors];
  for (int v = 0; v < kTileVectors; ++v) vector_start[v] = col.src + vector_offset[v];
  for (int64_t k = 0; k < K; ++k) {
    const int64_t row = col.row_offset[k];
    vfloat cols[kTileVectors];
    for (int v = 0; v < kTileVectors; ++v) cols[v] = simd::load<vfloat>(vector_start[v] + row);
    for (int r = 0; r < Rows; ++r) {
      const float w = weight[r * K + k];  // broadcast to every lane
      for (int v = 0; v < kTileVectors; ++v) acc[r][v] += w * cols[v];
    }
  }
  for (int r = 0; r < Rows; ++r) {
    if (valid == kTileVectors * kLanes) {
      for (int v = 0; v < kTileVectors; ++v) simd::store(out + r * P + v * kLanes, acc[r][v]);
    } else {  // the image's last pixels: only `valid` of them exist
      float spill[kTileVectors * kLanes];
      for (int v = 0; v < kTileVectors; ++v) simd::store(spill + v * kLanes, acc[r][v]);
      std::copy(spill, spill + valid, out + r * P);
    }
  }
}

// The last Og % kTileRows rows: forward_tile<rows>, with rows known at run time.
template <int Rows>
void forward_tile_rows(int rows, const float* weight, int64_t K, ColumnSource col,
                       const int64_t* vector_offset, const float* bias, float* out, int64_t P,
                       int64_t valid) {
  if constexpr (Rows > 0) {
    if (rows == Rows) return forward_tile<Rows>(weight, K, col, vector_offset, bias, out, P, valid);
    forward_tile_rows<Rows - 1>(rows, weight, K, col, vector_offset, bias, out, P, valid);
  }
}

// True when the tiles can read the padded image in place (ColumnSource above).
bool reads_image_in_place(const ConvGeometry& g) { return g.stride_w == 1 && g.OW % kLanes == 0; }

// Tap k = (c, i, j)'s offset in the padded image, for output pixel (0, 0).
int64_t tap_offset(const ConvGeometry& g, int64_t k) {
  const int64_t c = k / (g.kh * g.kw), i = k / g.kw % g.kh, j = k % g.kw;
  const int64_t Hp = g.H + 2 * g.pad_h, Wp = g.W + 2 * g.pad_w;
  return (c * Hp + i * g.dilation_h) * Wp + j * g.dilation_w;
}

// out_g (Og, P), chunks [chunk_lo, chunk_hi) of kChunk pixels, from the
// padded image: in place, or through panel (room for (K, kChunk)).
void forward_chunks(const ConvGeometry& g, const float* padded, const float* weight_g,
                    const float* bias_g, float* out_g, int64_t chunk_lo, int64_t chunk_hi,
                    float* panel) {
  const int64_t K = g.field_size(), Og = g.out_channels_per_group(), P = g.OH * g.OW;
  const int64_t Wp = g.W + 2 * g.pad_w;
  constexpr int64_t tile_pixels = kTileVectors * kLanes;
  const bool in_place = reads_image_in_place(g);
  int64_t row_offset[kSmallFieldMax];
  for (int64_t k = 0; k < K; ++k) row_offset[k] = in_place ? tap_offset(g, k) : k * kChunk;
  const ColumnSource col{in_place ? padded : panel, row_offset};
  for (int64_t chunk = chunk_lo; chunk < chunk_hi; ++chunk) {
    const int64_t p0 = chunk * kChunk, count = std::min(kChunk, P - p0);
    if (!in_place) fill_panel(g, padded, p0, count, K, false, panel);
    for (int64_t p = 0; p < count; p += tile_pixels) {
      int64_t vector_offset[kTileVectors];
      for (int v = 0; v < kTileVectors; ++v) {
        // A vector past the image's end (in place, counts are whole vectors)
        // reads vector 0 again; its results are never stored.
        const int64_t pixel = p0 + p + (p + v * kLanes < count ? v * kLanes : 0);
        vector_offset[v] = in_place ? pixel / g.OW * g.stride_h * Wp + pixel % g.OW : pixel - p0;
      }
      const int64_t valid = std::min(tile_pixels, count - p);
      for (int64_t o = 0; o < Og; o += kTileRows) {
        const int rows = int(std::min<int64_t>(kTileRows, Og - o));
        forward_tile_rows<kTileRows>(rows, weight_g + o * K, K, col, vector_offset,
                                     bias_g ? bias_g + o : nullptr, out_g + o * P + p0 + p, P,
                                     valid);
      }
    }
  }
}

// ---------------------------------------------------------------- weight gradient
// partial (Rows, Kp, L) += the products of dout rows 0 .. Rows-1 (stride
// ld) with panel rows 0 .. kTaps-1, over `vectors` vectors of pixels:
//   partial[r][t][lane] += Σ_v dout[r][v·L + lane] · panel[t][v·L + lane]
template <int Rows>
void weight_grad_tile(const float* dout, int64_t ld, const float* panel, int64_t vectors,
                      float* partial, int64_t Kp) {
  vfloat acc[Rows][kTaps];
  for (int r = 0; r < Rows; ++r)
    for (int t = 0; t < kTaps; ++t) acc[r][t] = simd::load<vfloat>(partial + (r * Kp + t) * kLanes);
  for (int64_t v = 0; v < vectors; ++v) {
    vfloat cols[kTaps];
    for (int t = 0; t < kTaps; ++t) cols[t] = simd::load<vfloat>(panel + t * kChunk + v * kLanes);
    for (int r = 0; r < Rows; ++r) {
      const vfloat d = simd::load<vfloat>(dout + r * ld + v * kLanes);
      for (int t = 0; t < kTaps; ++t) acc[r][t] += d * cols[t];
    }
  }
  for (int r = 0; r < Rows; ++r)
    for (int t = 0; t < kTaps; ++t) simd::store(partial + (r * Kp + t) * kLanes, acc[r][t]);
}

template <int Rows>
void weight_grad_tile_rows(int rows, const float* dout, int64_t ld, const float* panel,
                           int64_t vectors, float* partial, int64_t Kp) {
  if constexpr (Rows > 0) {
    if (rows == Rows) return weight_grad_tile<Rows>(dout, ld, panel, vectors, partial, Kp);
    weight_grad_tile_rows<Rows - 1>(rows, dout, ld, panel, vectors, partial, Kp);
  }
}

// The rows of the weight gradient's panel: K taps, then with_bias a row of
// 1s (dout · 1ᵀ is dout's sum: the bias gradient comes in the same pass),
// rounded up to whole tiles of kTaps (the rows added are 0).
int64_t gradient_rows(const ConvGeometry& g, bool with_bias) {
  return round_up(g.field_size() + (with_bias ? 1 : 0), kTaps);
}

// For images [n_lo, n_hi) and the output channels [o_lo, o_hi) of every
// group: partial (O, Kp, L) += each image's dout_g · panelᵀ, lane by lane,
// with Kp = gradient_rows(g, with_bias).
void weight_grad_images(const ConvGeometry& g, const float* dout, const float* x, bool with_bias,
                        int64_t n_lo, int64_t n_hi, int64_t o_lo, int64_t o_hi, float* partial) {
  const int64_t Cg = g.in_channels_per_group(), Og = g.out_channels_per_group();
  const int64_t Kp = gradient_rows(g, with_bias), P = g.OH * g.OW;
  FloatBuffer padded(padded_image_size(g)), panel(Kp * kChunk);
  FloatBuffer dout_tail((o_hi - o_lo) * kChunk);  // the last chunk's dout rows, 0-padded
  for (int64_t n = n_lo; n < n_hi; ++n) {
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      pad_image(g, x + (n * g.C + grp * Cg) * g.H * g.W, padded.data());
      const float* dout_g = dout + (n * g.O + grp * Og) * P;
      float* partial_g = partial + grp * Og * Kp * kLanes;
      for (int64_t p0 = 0; p0 < P; p0 += kChunk) {
        const int64_t count = std::min(kChunk, P - p0), vectors = (count + kLanes - 1) / kLanes;
        fill_panel(g, padded.data(), p0, count, Kp, with_bias, panel.data());
        // A chunk that ends inside a vector: its dout rows copied with zeros
        // after them, so the last vector reads no further than the row.
        const bool ragged = count % kLanes != 0;
        const float* d = dout_g + o_lo * P + p0;
        int64_t ld = P;
        if (ragged) {
          for (int64_t o = o_lo; o < o_hi; ++o) {
            float* row = dout_tail.data() + (o - o_lo) * kChunk;
            std::copy(dout_g + o * P + p0, dout_g + o * P + p0 + count, row);
            std::fill(row + count, row + vectors * kLanes, 0.0f);
          }
          d = dout_tail.data(), ld = kChunk;
        }
        for (int64_t o = o_lo; o < o_hi; o += kGradRows) {
          const int rows = int(std::min<int64_t>(kGradRows, o_hi - o));
          for (int64_t t = 0; t < Kp; t += kTaps)
            weight_grad_tile_rows<kGradRows>(rows, d + (o - o_lo) * ld, ld,
                                             panel.data() + t * kChunk, vectors,
                                             partial_g + (o * Kp + t) * kLanes, Kp);
        }
      }
    }
  }
}

}  // namespace

bool small_k_applies(const ConvGeometry& g) {
  return g.field_size() <= kSmallFieldMax && g.OH > 0 && g.OW > 0;
}

void small_k_conv2d_forward(const ConvGeometry& g, const float* x, const float* weight,
                            const float* bias, float* out) {
  const int64_t Cg = g.in_channels_per_group(), Og = g.out_channels_per_group();
  const int64_t K = g.field_size(), P = g.OH * g.OW, HW = g.H * g.W;
  const int64_t chunks = (P + kChunk - 1) / kChunk;
  // Image n's group grp, chunks [lo, hi) of its pixels, from its padded image.
  auto run_chunks = [&](int64_t n, int64_t grp, const float* padded, int64_t lo, int64_t hi,
                        float* panel) {
    forward_chunks(g, padded, weight + grp * Og * K, bias ? bias + grp * Og : nullptr,
                   out + (n * g.O + grp * Og) * P, lo, hi, panel);
  };
  if (images_in_parallel(g.N)) {
    parallel_for(0, g.N, 1, [&](int64_t lo, int64_t hi) {
      FloatBuffer padded(padded_image_size(g)), panel(K * kChunk);
      for (int64_t n = lo; n < hi; ++n)
        for (int64_t grp = 0; grp < g.groups; ++grp) {
          pad_image(g, x + (n * g.C + grp * Cg) * HW, padded.data());
          run_chunks(n, grp, padded.data(), 0, chunks, panel.data());
        }
    });
    return;
  }
  // Few images: one at a time, its chunks of pixels split over the threads.
  FloatBuffer padded(padded_image_size(g));
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      pad_image(g, x + (n * g.C + grp * Cg) * HW, padded.data());
      parallel_for(0, chunks, 1, [&](int64_t lo, int64_t hi) {
        FloatBuffer panel(K * kChunk);
        run_chunks(n, grp, padded.data(), lo, hi, panel.data());
      });
    }
}

void small_k_conv2d_backward_weight(const ConvGeometry& g, const float* dout, const float* x,
                                    float* dweight, float* dbias) {
  if (dweight == nullptr) {  // only the bias wants a gradient: no products at all
    if (dbias != nullptr) conv_bias_backward(dout, g.N, g.O, g.OH * g.OW, dbias);
    return;
  }
  const bool with_bias = dbias != nullptr;
  const int64_t K = g.field_size(), Kp = gradient_rows(g, with_bias);
  const int64_t Og = g.out_channels_per_group();
  // Slots as conv2d_backward_weight's: each sums its own contiguous run of
  // images; with one slot the threads split the output channels instead.
  // Either way a given thread count always adds in the same order.
  const int64_t slots = images_in_parallel(g.N) ? std::min<int64_t>(get_num_threads(), g.N) : 1;
  const int64_t slot_size = g.O * Kp * kLanes;
  FloatBuffer partials(slots * slot_size, 0.0f);
  if (slots > 1) {
    parallel_for(0, slots, 1, [&](int64_t s_lo, int64_t s_hi) {
      for (int64_t s = s_lo; s < s_hi; ++s)
        weight_grad_images(g, dout, x, with_bias, s * g.N / slots, (s + 1) * g.N / slots, 0, Og,
                           partials.data() + s * slot_size);
    });
  } else {
    parallel_for(0, Og, kGradRows, [&](int64_t o_lo, int64_t o_hi) {
      weight_grad_images(g, dout, x, with_bias, 0, g.N, o_lo, o_hi, partials.data());
    });
  }
  // Row k of output channel o: the slots' partial sums, slot after slot,
  // lane after lane. Rows 0 .. K-1 are dweight[o], row K is dbias[o].
  auto total = [&](int64_t o, int64_t k) {
    float sum = 0.0f;
    for (int64_t s = 0; s < slots; ++s) {
      const float* lanes = partials.data() + s * slot_size + (o * Kp + k) * kLanes;
      for (int l = 0; l < kLanes; ++l) sum += lanes[l];
    }
    return sum;
  };
  // On the caller: O·Kp sums of slots·L numbers are a few microseconds, less
  // than waking the other threads again.
  for (int64_t o = 0; o < g.O; ++o) {
    for (int64_t k = 0; k < K; ++k) dweight[o * K + k] = total(o, k);
    if (with_bias) dbias[o] = total(o, K);
  }
}

Conv2dBackwardWeightFn* conv2d_backward_weight_for(const ConvGeometry& g) {
  return small_k_applies(g) ? small_k_conv2d_backward_weight : conv2d_backward_weight;
}

}  // namespace ag
