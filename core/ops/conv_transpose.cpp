// core/ops/conv_transpose.cpp: conv_transpose2d, the autograd op over the
// kernels of core/kernels/conv_transpose.h (fast: conv2d's own kernels, roles
// swapped) and core/reference/conv_transpose_naive.h (the scatter loops).
//
// Shape legend: N batch, C input channels, O output channels, G groups,
// H×W input, OH×OW output, kh×kw kernel.
//   x (N, C, H, W) ⋆ᵀ weight (C, O/G, kh, kw) + bias (O) -> out (N, O, OH, OW)
//   OH = (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1
//
// out is conv2d's input gradient of x, so its backward is conv2d run forwards:
//   dx      = conv2d(dout, weight)   (same stride, padding, dilation, groups)
//   dweight = the correlation of dout with x, summed over the batch
//   dbias   = dout summed over N, OH, OW
// Not itself differentiable (no double backward), like conv2d.
#include "core/kernels/conv_transpose.h"
#include "core/autograd.h"
#include "core/kernels/kernel_mode.h"
#include "core/ops/conv.h"
#include "core/ops/conv_transpose.h"
#include "core/ops/shape.h"
#include "core/reference/conv_transpose_naive.h"

namespace ag {

namespace {

// One spatial dim's output size, or false if a step overflows int64.
bool output_extent(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation,
                   int64_t output_pad, int64_t* out) {
  int64_t spread, kernel_span;
  return !__builtin_mul_overflow(in - 1, stride, &spread) &&
         !__builtin_mul_overflow(dilation, k - 1, &kernel_span) &&
         !__builtin_add_overflow(spread, kernel_span, out) &&
         !__builtin_sub_overflow(*out, pad, out) && !__builtin_sub_overflow(*out, pad, out) &&
         !__builtin_add_overflow(*out, output_pad + 1, out);
}

// Check every rule conv_transpose2d has (x is 4-D here; x_shape is what the
// user passed), then describe the shapes for the kernels.
ConvTransposeGeometry conv_transpose_geometry(const Shape& x_shape, const Tensor& x,
                                              const Tensor& weight, const Tensor& bias,
                                              const ConvTranspose2dOptions& opt) {
  if (opt.stride_h < 1 || opt.stride_w < 1)
    fail("conv_transpose2d: stride must be >= 1, got (", opt.stride_h, ", ", opt.stride_w, ")");
  if (opt.pad_h < 0 || opt.pad_w < 0)
    fail("conv_transpose2d: padding must be >= 0, got (", opt.pad_h, ", ", opt.pad_w, ")");
  if (opt.output_pad_h < 0 || opt.output_pad_w < 0)
    fail("conv_transpose2d: output_padding must be >= 0, got (", opt.output_pad_h, ", ",
         opt.output_pad_w, ")");
  if (opt.dilation_h < 1 || opt.dilation_w < 1)
    fail("conv_transpose2d: dilation must be >= 1, got (", opt.dilation_h, ", ", opt.dilation_w,
         ")");
  if (opt.groups < 1) fail("conv_transpose2d: groups must be >= 1, got ", opt.groups);
  // PyTorch's rule, per dim: output_padding only picks among the sizes one stride (or dilation)
  // apart.
  if ((opt.output_pad_h >= opt.stride_h && opt.output_pad_h >= opt.dilation_h) ||
      (opt.output_pad_w >= opt.stride_w && opt.output_pad_w >= opt.dilation_w))
    fail("conv_transpose2d: output_padding (", opt.output_pad_h, ", ", opt.output_pad_w,
         ") must be smaller than stride (", opt.stride_h, ", ", opt.stride_w, ") or dilation (",
         opt.dilation_h, ", ", opt.dilation_w, ") in each dim");

  ConvTransposeGeometry g;
  g.N = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.O = weight.size(1) * opt.groups, g.kh = weight.size(2), g.kw = weight.size(3);
  g.stride_h = opt.stride_h, g.stride_w = opt.stride_w;
  g.pad_h = opt.pad_h, g.pad_w = opt.pad_w;
  g.output_pad_h = opt.output_pad_h, g.output_pad_w = opt.output_pad_w;
  g.dilation_h = opt.dilation_h, g.dilation_w = opt.dilation_w;
  g.groups = opt.groups;

  if (weight.size(0) < 1 || weight.size(1) < 1 || g.kh < 1 || g.kw < 1)
    fail("conv_transpose2d: weight ", weight.shape(), " has an empty dimension");
  if (weight.size(0) % g.groups != 0)
    fail("conv_transpose2d: weight ", weight.shape(), " has ", weight.size(0),
         " input channels, which groups=", g.groups, " does not divide");
  if (g.C != weight.size(0))
    fail("conv_transpose2d: input ", x_shape, " has ", g.C, " channels but weight ", weight.shape(),
         " expects ", weight.size(0), " (weight is (C, O/groups, kh, kw))");
  if (bias.defined() && bias.shape() != Shape{g.O})
    fail("conv_transpose2d: bias ", bias.shape(), " must have shape ", Shape{g.O},
         " (one per output channel: weight ", weight.shape(), " with groups=", g.groups, ")");
  if (g.N != 0 && (g.H == 0 || g.W == 0))
    fail("conv_transpose2d: input ", x_shape,
         " has an empty spatial dimension (only the batch may be 0)");
  if (!output_extent(g.H, g.kh, g.stride_h, g.pad_h, g.dilation_h, g.output_pad_h, &g.OH) ||
      !output_extent(g.W, g.kw, g.stride_w, g.pad_w, g.dilation_w, g.output_pad_w, &g.OW))
    fail("conv_transpose2d: the output size of input ", x_shape, " and weight ", weight.shape(),
         " overflows int64 (stride (", g.stride_h, ", ", g.stride_w, "), dilation (", g.dilation_h,
         ", ", g.dilation_w, "))");
  if (g.OH < 1 || g.OW < 1)
    fail("conv_transpose2d: the output of input ", x_shape, " would be ", Shape{g.OH, g.OW},
         " (padding (", g.pad_h, ", ", g.pad_w, ") crops more than the kernel ", Shape{g.kh, g.kw},
         " adds)");
  checked_numel("conv_transpose2d", {g.N, g.O, g.OH, g.OW});
  return g;
}

}  // namespace

// The node: saves x and weight (data only) and the geometry.
struct ConvTranspose2dBackward : Node {
  SavedTensor x, weight;
  ConvTransposeGeometry geometry;
  std::string name() const override { return "ConvTranspose2dBackward"; }

  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    x.reset();
    weight.reset();
  }
};

namespace {

Tensor conv_transpose2d_4d(const Shape& x_shape, const Tensor& x, const Tensor& weight,
                           const Tensor& bias, const ConvTranspose2dOptions& options) {
  const ConvTransposeGeometry g = conv_transpose_geometry(x_shape, x, weight, bias, options);
  Tensor out = empty({g.N, g.O, g.OH, g.OW});
  const float* bias_data = bias.defined() ? bias.data() : nullptr;
  fast_or_naive(conv_transpose2d_forward, conv_transpose2d_forward_naive)(
      g, x.data(), weight.data(), bias_data, out.data());

  if (needs_grad({x, weight, bias})) {
    auto node = std::make_shared<ConvTranspose2dBackward>();
    node->x = SavedTensor(x);
    node->weight = SavedTensor(weight);
    node->geometry = g;
    attach(out, node, {x, weight, bias});
  }
  return out;
}

}  // namespace

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvTranspose2dOptions& options) {
  if (!x.defined() || !weight.defined()) fail("conv_transpose2d: input and weight must be defined");
  if (x.dim() != 3 && x.dim() != 4)
    fail("conv_transpose2d: expected a 3-D (unbatched) or 4-D input (N, C, H, W), got ", x.shape());
  if (weight.dim() != 4)
    fail("conv_transpose2d: expected a 4-D weight (C, O/groups, kh, kw), got ", weight.shape());
  if (x.dim() == 3)  // unbatched: (C, H, W) runs as (1, C, H, W)
    return squeeze(conv_transpose2d_4d(x.shape(), unsqueeze(x, 0), weight, bias, options), 0);
  return conv_transpose2d_4d(x.shape(), x, weight, bias, options);
}

// dx (N, C, H, W) = conv2d(dout, weight); dweight, dbias as in the top comment.
std::vector<Tensor> ConvTranspose2dBackward::apply(const Tensor& dout) {
  const Tensor saved_x = x.unpack(*this), saved_weight = weight.unpack(*this);
  Tensor dx, dweight, dbias;
  if (next_edges[0].valid()) {
    dx = empty(saved_x.shape());
    fast_or_naive(conv_transpose2d_backward_input, conv_transpose2d_backward_input_naive)(
        geometry, dout.data(), saved_weight.data(), dx.data());
  }
  const bool want_weight = next_edges[1].valid();
  const bool want_bias = next_edges.size() > 2 && next_edges[2].valid();
  if (want_weight) dweight = empty(saved_weight.shape());
  if (want_bias) dbias = empty({geometry.O});
  if (want_weight || want_bias)
    fast_or_naive(conv_transpose2d_backward_weight, conv_transpose2d_backward_weight_naive)(
        geometry, dout.data(), saved_x.data(), want_weight ? dweight.data() : nullptr,
        want_bias ? dbias.data() : nullptr);
  return {dx, dweight, dbias};
}

}  // namespace ag
