// core/ops/conv.cpp: conv2d, the autograd op over the kernels of
// core/kernels/conv.h (fast: im2col + sgemm) and
// core/reference/conv_naive.h (the seven loops), chosen by kernels().
//
// Shape legend: N batch, C input channels, O output channels, G groups,
// H×W input, OH×OW output, kh×kw kernel.
//   x (N, C, H, W) * weight (O, C/G, kh, kw) + bias (O) -> out (N, O, OH, OW)
//
// out is linear in x and in weight, so its backward is two more convolutions
// of the same geometry (the kernels compute them directly):
//   dx      = the "transposed convolution" of dout with weight
//   dweight = the correlation of x with dout, summed over the batch
//   dbias   = dout summed over N, OH, OW
// The backward uses raw kernels, so it is not itself differentiable (no
// double backward through conv2d).
#include "core/ops/conv.h"

#include "core/autograd.h"
#include "core/kernels/conv.h"
#include "core/kernels/kernel_mode.h"
#include "core/reference/conv_naive.h"

namespace ag {

namespace {

// One spatial dim's padded input size in + 2*pad and dilated kernel size
// dilation*(k-1) + 1; false if either overflows int64 (a padding or dilation
// near 2^62 would otherwise wrap around into a bogus output size).
bool spatial_extents(int64_t in, int64_t k, int64_t pad, int64_t dilation, int64_t* padded,
                     int64_t* dilated) {
  return !__builtin_mul_overflow(pad, 2, padded) && !__builtin_add_overflow(*padded, in, padded) &&
         !__builtin_mul_overflow(dilation, k - 1, dilated) && !__builtin_add_overflow(*dilated, 1, dilated);
}

// Check every rule conv2d has, then describe the shapes for the kernels.
ConvGeometry conv_geometry(const Tensor& x, const Tensor& weight, const Tensor& bias,
                           const Conv2dOptions& opt) {
  if (!x.defined() || !weight.defined()) fail("conv2d: input and weight must be defined");
  if (x.dim() != 4) fail("conv2d: expected a 4-D input (N, C, H, W), got ", x.shape());
  if (weight.dim() != 4)
    fail("conv2d: expected a 4-D weight (O, C/groups, kh, kw), got ", weight.shape());
  if (opt.stride_h < 1 || opt.stride_w < 1)
    fail("conv2d: stride must be >= 1, got (", opt.stride_h, ", ", opt.stride_w, ")");
  if (opt.pad_h < 0 || opt.pad_w < 0)
    fail("conv2d: padding must be >= 0, got (", opt.pad_h, ", ", opt.pad_w, ")");
  if (opt.dilation_h < 1 || opt.dilation_w < 1)
    fail("conv2d: dilation must be >= 1, got (", opt.dilation_h, ", ", opt.dilation_w, ")");
  if (opt.groups < 1) fail("conv2d: groups must be >= 1, got ", opt.groups);

  ConvGeometry g;
  g.N = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.O = weight.size(0), g.kh = weight.size(2), g.kw = weight.size(3);
  g.stride_h = opt.stride_h, g.stride_w = opt.stride_w;
  g.pad_h = opt.pad_h, g.pad_w = opt.pad_w;
  g.dilation_h = opt.dilation_h, g.dilation_w = opt.dilation_w;
  g.groups = opt.groups;

  if (g.O < 1 || g.kh < 1 || g.kw < 1 || weight.size(1) < 1)
    fail("conv2d: weight ", weight.shape(), " has an empty dimension");
  if (g.O % g.groups != 0)
    fail("conv2d: weight ", weight.shape(), " has ", g.O,
         " output channels, which groups=", g.groups, " does not divide");
  if (g.C != weight.size(1) * g.groups) {
    if (g.groups == 1)
      fail("conv2d: input ", x.shape(), " has ", g.C, " channels but weight ", weight.shape(),
           " expects ", weight.size(1));
    fail("conv2d: input ", x.shape(), " has ", g.C, " channels but weight ", weight.shape(),
         " with groups=", g.groups, " expects ", weight.size(1) * g.groups, " (",
         weight.size(1), " per group)");
  }
  if (bias.defined() && bias.shape() != Shape{g.O})
    fail("conv2d: bias ", bias.shape(), " must have shape ", Shape{g.O},
         " (one per output channel of weight ", weight.shape(), ")");

  int64_t padded_h, padded_w, dilated_h, dilated_w;
  if (!spatial_extents(g.H, g.kh, g.pad_h, g.dilation_h, &padded_h, &dilated_h) ||
      !spatial_extents(g.W, g.kw, g.pad_w, g.dilation_w, &padded_w, &dilated_w))
    fail("conv2d: padding (", g.pad_h, ", ", g.pad_w, ") or dilation (", g.dilation_h, ", ",
         g.dilation_w, ") is too large for input ", x.shape(), " and weight ", weight.shape(),
         " (the padded or dilated size overflows int64)");
  conv_fill_output_size(g);
  if (g.OH < 1 || g.OW < 1)
    fail("conv2d: kernel ", Shape{g.kh, g.kw}, " (dilated to ", Shape{dilated_h, dilated_w},
         ") is larger than the padded input ", Shape{padded_h, padded_w}, " of input ", x.shape());
  checked_numel("conv2d", {g.N, g.O, g.OH, g.OW});  // a padding of 2^40 gives a countable size, but no tensor
  return g;
}

}  // namespace

// The node: saves x and weight (data only) and the geometry.
struct Conv2dBackward : Node {
  SavedTensor x, weight;
  ConvGeometry geometry;
  std::string name() const override { return "Conv2dBackward"; }

  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    x.reset();
    weight.reset();
  }
};

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const Conv2dOptions& options) {
  const ConvGeometry g = conv_geometry(x, weight, bias, options);
  Tensor out = empty({g.N, g.O, g.OH, g.OW});
  const float* bias_data = bias.defined() ? bias.data() : nullptr;
  fast_or_naive(conv2d_forward, conv2d_forward_naive)(g, x.data(), weight.data(), bias_data,
                                                      out.data());

  if (needs_grad({x, weight, bias})) {
    auto node = std::make_shared<Conv2dBackward>();
    node->x = SavedTensor(x);
    node->weight = SavedTensor(weight);
    node->geometry = g;
    attach(out, node, {x, weight, bias});
  }
  return out;
}

std::vector<Tensor> Conv2dBackward::apply(const Tensor& dout) {
  const Tensor saved_x = x.unpack(*this), saved_weight = weight.unpack(*this);
  Tensor dinp, dweight, dbias;
  if (next_edges[0].valid()) {
    dinp = empty(saved_x.shape());
    fast_or_naive(conv2d_backward_input, conv2d_backward_input_naive)(
        geometry, dout.data(), saved_weight.data(), dinp.data());
  }
  const bool want_weight = next_edges[1].valid();
  const bool want_bias = next_edges.size() > 2 && next_edges[2].valid();
  if (want_weight) dweight = empty(saved_weight.shape());
  if (want_bias) dbias = empty({geometry.O});
  if (want_weight || want_bias)
    fast_or_naive(conv2d_backward_weight, conv2d_backward_weight_naive)(
        geometry, dout.data(), saved_x.data(), want_weight ? dweight.data() : nullptr,
        want_bias ? dbias.data() : nullptr);
  return {dinp, dweight, dbias};
}

}  // namespace ag
