// The fast convolution: the shared sgemm over im2col's matrix, one image at a
// time, without storing that matrix. The weight is packed once per call
// (gemm_packed.h's PackedA) and read by every image and thread; the gemm asks for
// col's rows one KC×NC panel at a time and im2col_row writes each straight
// into it from the image, so col's K·P numbers never travel through memory.
// The stored form of the same idea, im2col into a real matrix and then one
// sgemm, is conv2d_backward_weight below (it needs col whole, as the summed side).
//
// Shape legend (as conv.h): N batch, C/O input/output channels,
// G groups with Cg = C/G and Og = O/G channels each, H×W input, OH×OW output,
// kh×kw kernel, K = Cg*kh*kw, P = OH*OW output positions.
//
// Threading: when the batch splits evenly over the threads (or is large), the
// images go to different threads and each runs its products serially (a
// parallel_for nested inside a worker runs inline, so sgemm does not
// oversubscribe the cores). Otherwise (N = 1, say) the images run one after
// another and sgemm splits each product over the threads itself.
#include "core/kernels/conv.h"

#include <algorithm>
#include <vector>

#include "core/allocator.h"
#include "core/kernels/gemm.h"
#include "core/kernels/gemm_packed.h"
#include "core/kernels/parallel.h"

namespace ag {

namespace {

// A scratch buffer: not zero-filled (im2col writes every element), and from
// the caching allocator, so the next call gets it back without page faults.
using Scratch = FloatBuffer;
Scratch make_scratch(int64_t count) { return Scratch(count); }

// For the taps that read input column iw = ow*stride + offset, the outputs
// ow in [lo, hi) land inside the image (0 <= iw < size); the rest read padding.
struct ValidRange {
  int64_t lo, hi;
};
ValidRange valid_outputs(int64_t offset, int64_t stride, int64_t size, int64_t out_size) {
  // (a - 1) / b + 1 rather than (a + b - 1) / b: no overflow for a stride near 2^63.
  auto ceil_div = [](int64_t a, int64_t b) { return a <= 0 ? 0 : (a - 1) / b + 1; };
  int64_t lo = std::min(ceil_div(-offset, stride), out_size);        // first ow with iw >= 0
  int64_t hi = std::min(ceil_div(size - offset, stride), out_size);  // first ow with iw >= size
  return {lo, std::max(lo, hi)};
}

// A 1x1 kernel with stride 1 and no padding sees each pixel exactly once:
// col would be a copy of the image itself, so we skip im2col/col2im.
bool is_pointwise(const ConvGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_h == 0 &&
         g.pad_w == 0;
}

// Images in parallel, or one by one with a threaded sgemm (see the top comment).
bool images_in_parallel(int64_t N) {
  int64_t threads = get_num_threads();
  return threads > 1 && N >= threads && (N % threads == 0 || N >= 4 * threads);
}

// Run body(n, scratch) for every image n, each worker with its own scratch.
template <class Body>
void for_each_image(int64_t N, int64_t scratch_size, const Body& body) {
  if (images_in_parallel(N)) {
    parallel_for(0, N, 1, [&](int64_t lo, int64_t hi) {
      Scratch scratch = make_scratch(scratch_size);
      for (int64_t n = lo; n < hi; ++n) body(n, scratch.data());
    });
  } else {
    Scratch scratch = make_scratch(scratch_size);
    for (int64_t n = 0; n < N; ++n) body(n, scratch.data());
  }
}

// Enough channels per chunk that a thread has real work to do.
int64_t channel_grain(const ConvGeometry& g) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.kh * g.kw * g.OH * g.OW));
}

}  // namespace

void conv_fill_output_size(ConvGeometry& g) {
  g.OH = conv_output_size(g.H, g.kh, g.stride_h, g.pad_h, g.dilation_h);
  g.OW = conv_output_size(g.W, g.kw, g.stride_w, g.pad_w, g.dilation_w);
}

int64_t padded_image_size(const ConvGeometry& g) {
  return g.in_channels_per_group() * (g.H + 2 * g.pad_h) * (g.W + 2 * g.pad_w);
}

void pad_image(const ConvGeometry& g, const float* img, float* padded) {
  const int64_t Hp = g.H + 2 * g.pad_h, Wp = g.W + 2 * g.pad_w;
  // Only the border is zeroed: the image rows overwrite the rest.
  for (int64_t c = 0; c < g.in_channels_per_group(); ++c) {
    float* plane = padded + c * Hp * Wp;
    std::fill(plane, plane + g.pad_h * Wp, 0.0f);  // the rows above
    for (int64_t h = 0; h < g.H; ++h) {
      float* row = plane + (h + g.pad_h) * Wp;
      const float* src = img + (c * g.H + h) * g.W;
      std::fill(row, row + g.pad_w, 0.0f);
      for (int64_t w = 0; w < g.W; ++w) row[g.pad_w + w] = src[w];
      std::fill(row + g.pad_w + g.W, row + Wp, 0.0f);
    }
    std::fill(plane + (g.pad_h + g.H) * Wp, plane + Hp * Wp, 0.0f);  // the rows below
  }
}

void im2col_row(const ConvGeometry& g, const float* padded, int64_t tap, int64_t p0, int64_t n,
                float* out) {
  const int64_t c = tap / (g.kh * g.kw), i = tap / g.kw % g.kh, j = tap % g.kw;
  const int64_t Hp = g.H + 2 * g.pad_h, Wp = g.W + 2 * g.pad_w;
  // The positions p0 .. p0+n-1 cover pieces of one or more output rows oh.
  // Output (oh, ow) reads padded pixel (oh·stride_h + i·dilation_h,
  // ow·stride_w + j·dilation_w), always inside the padded image: each piece
  // is one strided copy (a plain copy for stride 1), with no bounds to check.
  // This runs for every row of every gemm panel, so the divisions are done
  // once per call.
  int64_t oh = p0 / g.OW, ow_begin = p0 % g.OW;
  for (int64_t done = 0; done < n; ++oh) {
    const int64_t count = std::min(g.OW - ow_begin, n - done);
    const float* src = padded + (c * Hp + oh * g.stride_h + i * g.dilation_h) * Wp +
                       j * g.dilation_w + ow_begin * g.stride_w;
    float* dst = out + done;
    // A plain loop, not memcpy: a piece is one output row (16 floats for a
    // 16×16 map), and a library call per piece cost more than the copy.
    if (g.stride_w == 1)
      for (int64_t k = 0; k < count; ++k) dst[k] = src[k];
    else
      for (int64_t k = 0; k < count; ++k) dst[k] = src[k * g.stride_w];
    done += count;
    ow_begin = 0;
  }
}

void im2col(const ConvGeometry& g, const float* img, float* col) {
  const int64_t P = g.OH * g.OW, taps = g.kh * g.kw;
  FloatBuffer padded(padded_image_size(g));
  pad_image(g, img, padded.data());
  parallel_for(0, g.in_channels_per_group(), channel_grain(g), [&](int64_t c_lo, int64_t c_hi) {
    for (int64_t tap = c_lo * taps; tap < c_hi * taps; ++tap)
      im2col_row(g, padded.data(), tap, 0, P, col + tap * P);
  });
}

void col2im(const ConvGeometry& g, const float* col, float* img) {
  // ASSIGNMENT conv2d_backward_runner/col2im: begin
  const int64_t P = g.OH * g.OW;
  // Each channel's plane is written only by its own rows of col: threads never collide.
  parallel_for(0, g.in_channels_per_group(), channel_grain(g), [&](int64_t c_lo, int64_t c_hi) {
    std::fill(img + c_lo * g.H * g.W, img + c_hi * g.H * g.W, 0.0f);
    for (int64_t c = c_lo; c < c_hi; ++c) {
      for (int64_t i = 0; i < g.kh; ++i) {
        for (int64_t j = 0; j < g.kw; ++j) {
          const float* row = col + ((c * g.kh + i) * g.kw + j) * P;
          const int64_t w_offset = j * g.dilation_w - g.pad_w;
          const ValidRange valid = valid_outputs(w_offset, g.stride_w, g.W, g.OW);
          for (int64_t oh = 0; oh < g.OH; ++oh) {
            const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
            if (ih < 0 || ih >= g.H) continue;  // that gradient belongs to padding: dropped
            const float* src = row + oh * g.OW;
            float* dst = img + (c * g.H + ih) * g.W;  // input row ih
            if (g.stride_w == 1) {  // contiguous both sides: the compiler vectorizes this one
              for (int64_t ow = valid.lo; ow < valid.hi; ++ow) dst[ow + w_offset] += src[ow];
            } else {
              for (int64_t ow = valid.lo; ow < valid.hi; ++ow)
                dst[ow * g.stride_w + w_offset] += src[ow];
            }
          }
        }
      }
    }
  });
  // ASSIGNMENT conv2d_backward_runner/col2im: end
}

void conv2d_forward(const ConvGeometry& g, const float* x, const float* weight, const float* bias,
                    float* out) {
  conv2d_forward_fused(g, x, weight, bias, ConvEpilogue{}, out);
}

// out_g (Og, P) = weight_g (Og, K) · col (K, P), for each image and group, with
// the weight packed once per call (PackedA) and col never stored: the gemm
// asks for its rows panel by panel, and im2col_row computes them from the
// image (a pointwise conv's col is the image itself, read in place). The bias
// (and the fused residual and ReLU) go in the gemm's epilogue: no extra pass.
void conv2d_forward_fused(const ConvGeometry& g, const float* x, const float* weight,
                          const float* bias, const ConvEpilogue& then, float* out) {
  const int64_t Cg = g.in_channels_per_group(), Og = g.out_channels_per_group();
  const int64_t K = g.field_size(), P = g.OH * g.OW, HW = g.H * g.W;
  const bool pointwise = is_pointwise(g);
  std::vector<PackedA> weights;  // one per group
  for (int64_t grp = 0; grp < g.groups; ++grp)
    weights.emplace_back(false, Og, K, weight + grp * Og * K, K);
  for_each_image(g.N, pointwise ? 0 : padded_image_size(g), [&](int64_t n, float* padded) {
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const float* img = x + (n * g.C + grp * Cg) * HW;  // (Cg, H, W)
      float* out_g = out + (n * g.O + grp * Og) * P;     // (Og, P)
      if (!pointwise) pad_image(g, img, padded);
      const GemmRows col = pointwise
                               ? matrix_rows(img, HW)
                               : GemmRows([&](int64_t tap, int64_t p0, int64_t count, float* row) {
                                   im2col_row(g, padded, tap, p0, count, row);
                                   return static_cast<const float*>(row);
                                 });
      Epilogue epilogue;  // row o of out_g is output channel grp·Og + o
      epilogue.bias = bias != nullptr ? bias + grp * Og : nullptr;
      epilogue.residual = then.residual != nullptr ? then.residual + (out_g - out) : nullptr;
      epilogue.residual_ld = P;
      epilogue.relu = then.relu;
      sgemm_packed(weights[grp], P, 1.0f, col, 0.0f, out_g, P, epilogue);
    }
  });
}

// dcol (K, P) = weight_gᵀ (K, Og) · dout_g (Og, P), then col2im; weight_gᵀ is
// packed once per call. Pointwise: dcol is dimg itself.
void conv2d_backward_input(const ConvGeometry& g, const float* dout, const float* weight,
                           float* dx) {
  // ASSIGNMENT conv2d_backward_runner/conv2d_backward_input: begin
  const int64_t Cg = g.in_channels_per_group(), Og = g.out_channels_per_group();
  const int64_t K = g.field_size(), P = g.OH * g.OW, HW = g.H * g.W;
  const bool pointwise = is_pointwise(g);
  std::vector<PackedA> weights_t;  // weight_gᵀ, one per group
  for (int64_t grp = 0; grp < g.groups; ++grp)
    weights_t.emplace_back(true, K, Og, weight + grp * Og * K, K);
  for_each_image(g.N, pointwise ? 0 : K * P, [&](int64_t n, float* dcol) {
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const float* dout_g = dout + (n * g.O + grp * Og) * P;  // (Og, P)
      float* dimg = dx + (n * g.C + grp * Cg) * HW;           // (Cg, H, W)
      sgemm_packed(weights_t[grp], P, 1.0f, matrix_rows(dout_g, P), 0.0f, pointwise ? dimg : dcol,
                   P);
      if (!pointwise) col2im(g, dcol, dimg);
    }
  });
  // ASSIGNMENT conv2d_backward_runner/conv2d_backward_input: end
}

void conv_bias_backward(const float* dout, int64_t N, int64_t O, int64_t plane, float* dbias) {
  parallel_for(0, O, 8, [&](int64_t o_lo, int64_t o_hi) {
    for (int64_t o = o_lo; o < o_hi; ++o) {
      float total = 0.0f;
      for (int64_t n = 0; n < N; ++n) {
        const float* row = dout + (n * O + o) * plane;
        // 16 partial sums side by side (one vector register): a single
        // running sum makes each addition wait for the one before.
        float lanes[16] = {};
        int64_t k = 0;
        for (; k + 16 <= plane; k += 16)
          for (int l = 0; l < 16; ++l) lanes[l] += row[k + l];
        float image_sum = 0.0f;
        for (int l = 0; l < 16; ++l) image_sum += lanes[l];
        for (; k < plane; ++k) image_sum += row[k];
        total += image_sum;
      }
      dbias[o] = total;
    }
  });
}

void conv2d_backward_weight(const ConvGeometry& g, const float* dout, const float* x,
                            float* dweight, float* dbias) {
  // ASSIGNMENT conv2d_backward_runner/conv2d_backward_weight: begin
  const int64_t Cg = g.in_channels_per_group(), Og = g.out_channels_per_group();
  const int64_t K = g.field_size(), P = g.OH * g.OW, HW = g.H * g.W;
  const int64_t weight_size = g.O * K;
  const bool pointwise = is_pointwise(g);

  if (dbias != nullptr) conv_bias_backward(dout, g.N, g.O, P, dbias);
  if (dweight == nullptr) return;  // only the bias wanted a gradient
  if (g.N == 0) {                  // an empty batch: a sum of nothing
    std::fill(dweight, dweight + weight_size, 0.0f);
    return;
  }

  // dweight is a sum over images. With several slots (one per thread) each
  // sums its own contiguous run of images into its own buffer, and the
  // buffers are added in slot order, so a given thread count is always
  // bit-identical. A single slot sums straight into dweight.
  const int64_t slots = images_in_parallel(g.N) ? std::min<int64_t>(get_num_threads(), g.N) : 1;
  Scratch partials = make_scratch(slots > 1 ? slots * weight_size : 0);
  auto slot_sum = [&](int64_t s) {
    return slots > 1 ? partials.data() + s * weight_size : dweight;
  };
  auto sum_slot = [&](int64_t s) {
    float* dweight_slot = slot_sum(s);
    Scratch col = make_scratch(pointwise ? 0 : K * P);
    const int64_t first = s * g.N / slots;  // every slot has at least one image (slots <= N)
    for (int64_t n = first; n < (s + 1) * g.N / slots; ++n) {
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const float* img = x + (n * g.C + grp * Cg) * HW;
        const float* dout_g = dout + (n * g.O + grp * Og) * P;
        if (!pointwise) im2col(g, img, col.data());
        // dweight_g (Og, K) += dout_g (Og, P) · colᵀ (P, K); the slot's first
        // image writes it (beta 0), so the slot needs no zero-fill first.
        const float beta = n == first ? 0.0f : 1.0f;
        sgemm(false, true, Og, K, P, 1.0f, dout_g, P, pointwise ? img : col.data(), P, beta,
              dweight_slot + grp * Og * K, K);
      }
    }
  };
  if (slots == 1) {
    sum_slot(0);  // on the caller, so sgemm may use every thread
    return;
  }
  parallel_for(0, slots, 1, [&](int64_t s_lo, int64_t s_hi) {
    for (int64_t s = s_lo; s < s_hi; ++s) sum_slot(s);
  });
  parallel_for(0, weight_size, 4096, [&](int64_t lo, int64_t hi) {
    for (int64_t e = lo; e < hi; ++e) {
      float total = 0.0f;
      for (int64_t s = 0; s < slots; ++s) total += partials[s * weight_size + e];
      dweight[e] = total;
    }
  });
  // ASSIGNMENT conv2d_backward_runner/conv2d_backward_weight: end
}

}  // namespace ag
