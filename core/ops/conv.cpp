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
//
// Every entry (conv2d, unbatched conv2d, conv1d) checks the user's shapes,
// quoting them as given, then runs the one 4-D conv2d: an unbatched input is
// (1, C, H, W) and conv1d's (N, C, L) is (N, C, 1, L), both by reshape (no
// copy). padding="same" with an odd total pads the input's end by one first.
#include "core/ops/conv.h"

#include "core/autograd.h"
#include "core/kernels/conv.h"
#include "core/kernels/conv_small_k.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/winograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/shape.h"
#include "core/ops/unary.h"
#include "core/reference/conv_naive.h"

namespace ag {

namespace {

// One spatial dim's padded input size in + 2*pad and dilated kernel size
// dilation*(k-1) + 1; false if either overflows int64 (a padding or dilation
// near 2^62 would otherwise wrap around into a bogus output size).
bool spatial_extents(int64_t in, int64_t k, int64_t pad, int64_t dilation, int64_t* padded,
                     int64_t* dilated) {
  return !__builtin_mul_overflow(pad, 2, padded) && !__builtin_add_overflow(*padded, in, padded) &&
         !__builtin_mul_overflow(dilation, k - 1, dilated) &&
         !__builtin_add_overflow(*dilated, 1, dilated);
}

// The call as the user wrote it: the op's name and the shapes before an
// unbatched input or conv1d's 3-D tensors were made 4-D. Messages quote these.
struct ConvCall {
  const char* op;  // "conv2d" or "conv1d"
  Shape x, weight;
  bool one_d() const { return weight.size() == 3; }
  // A per-dim pair in the user's dims: [h, w] for conv2d, [w] for conv1d.
  Shape dims(int64_t h, int64_t w) const { return one_d() ? Shape{w} : Shape{h, w}; }
};

// padding="same": dilation*(k-1) in total, the smaller half on the left/top;
// extra (0 or 1) is the odd unit that goes on the right/bottom. If the total
// overflows, no padding: the dilated-size check after reports the overflow.
struct SamePadding {
  int64_t pad = 0, extra = 0;
};
SamePadding same_padding(int64_t k, int64_t dilation) {
  int64_t total;
  if (__builtin_mul_overflow(dilation, k - 1, &total)) return {};
  return {total / 2, total % 2};
}

// Check every rule conv2d has, then describe the shapes for the kernels.
// x and weight are 4-D here; *extra_h / *extra_w say how many zero rows /
// columns padding="same" needs appended to x (g.H and g.W already count them).
ConvGeometry conv_geometry(const ConvCall& call, const Tensor& x, const Tensor& weight,
                           const Tensor& bias, const Conv2dOptions& opt, int64_t* extra_h,
                           int64_t* extra_w) {
  const char* op = call.op;
  if (opt.stride_h < 1 || opt.stride_w < 1)
    fail(op, ": stride must be >= 1, got (", opt.stride_h, ", ", opt.stride_w, ")");
  if (opt.pad_h < 0 || opt.pad_w < 0)
    fail(op, ": padding must be >= 0, got (", opt.pad_h, ", ", opt.pad_w, ")");
  if (opt.dilation_h < 1 || opt.dilation_w < 1)
    fail(op, ": dilation must be >= 1, got (", opt.dilation_h, ", ", opt.dilation_w, ")");
  if (opt.groups < 1) fail(op, ": groups must be >= 1, got ", opt.groups);

  ConvGeometry g;
  g.N = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.O = weight.size(0), g.kh = weight.size(2), g.kw = weight.size(3);
  g.stride_h = opt.stride_h, g.stride_w = opt.stride_w;
  g.pad_h = opt.pad_h, g.pad_w = opt.pad_w;
  g.dilation_h = opt.dilation_h, g.dilation_w = opt.dilation_w;
  g.groups = opt.groups;

  // weight (O, 0, kh, kw) is allowed: it fits an input with no channels (as PyTorch).
  if (g.O < 1 || g.kh < 1 || g.kw < 1 || (weight.size(1) < 1 && g.C != 0))
    fail(op, ": weight ", call.weight, " has an empty dimension");
  if (g.O % g.groups != 0)
    fail(op, ": weight ", call.weight, " has ", g.O, " output channels, which groups=", g.groups,
         " does not divide");
  if (g.C != weight.size(1) * g.groups) {
    if (g.groups == 1)
      fail(op, ": input ", call.x, " has ", g.C, " channels but weight ", call.weight, " expects ",
           weight.size(1));
    fail(op, ": input ", call.x, " has ", g.C, " channels but weight ", call.weight,
         " with groups=", g.groups, " expects ", weight.size(1) * g.groups, " (", weight.size(1),
         " per group)");
  }
  if (bias.defined() && bias.shape() != Shape{g.O})
    fail(op, ": bias ", bias.shape(), " must have shape ", Shape{g.O},
         " (one per output channel of weight ", call.weight, ")");
  if (g.N != 0 && g.C != 0 && (g.H == 0 || g.W == 0))
    fail(op, ": input ", call.x,
         " has an empty spatial dimension (only the batch or the channels may be 0)");

  *extra_h = *extra_w = 0;
  if (opt.padding_rule == PaddingRule::Valid) g.pad_h = g.pad_w = 0;
  if (opt.padding_rule == PaddingRule::Same) {
    if (g.stride_h != 1 || g.stride_w != 1)
      fail(op,
           ": padding=\"same\" needs stride 1 (PyTorch refuses it for strided convolutions), got "
           "stride ",
           call.dims(g.stride_h, g.stride_w));
    const SamePadding ph = same_padding(g.kh, g.dilation_h), pw = same_padding(g.kw, g.dilation_w);
    g.pad_h = ph.pad, g.pad_w = pw.pad;
    *extra_h = ph.extra, *extra_w = pw.extra;
    g.H += ph.extra, g.W += pw.extra;
  }

  int64_t padded_h, padded_w, dilated_h, dilated_w;
  if (!spatial_extents(g.H, g.kh, g.pad_h, g.dilation_h, &padded_h, &dilated_h) ||
      !spatial_extents(g.W, g.kw, g.pad_w, g.dilation_w, &padded_w, &dilated_w)) {
    if (call.one_d())
      fail(op, ": padding ", g.pad_w, " or dilation ", g.dilation_w, " is too large for input ",
           call.x, " and weight ", call.weight, " (the padded or dilated size overflows int64)");
    fail(op, ": padding (", g.pad_h, ", ", g.pad_w, ") or dilation (", g.dilation_h, ", ",
         g.dilation_w, ") is too large for input ", call.x, " and weight ", call.weight,
         " (the padded or dilated size overflows int64)");
  }
  conv_fill_output_size(g);
  if (g.OH < 1 || g.OW < 1)
    fail(op, ": kernel ", call.dims(g.kh, g.kw), " (dilated to ", call.dims(dilated_h, dilated_w),
         ") is larger than the padded input ", call.dims(padded_h, padded_w), " of input ", call.x);
  checked_numel(op,
                {g.N, g.O, g.OH, g.OW});  // a padding of 2^40 gives a countable size, but no tensor
  return g;
}

// x with `count` zero slices appended along dim (count is 0 or 1): the odd
// unit of padding="same", on the right/bottom as PyTorch puts it.
Tensor pad_end(const Tensor& x, int64_t dim, int64_t count) {
  if (count == 0) return x;
  Shape zeros_shape = x.shape();
  zeros_shape[dim] = count;
  return cat({x, zeros(zeros_shape)}, dim);
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

namespace {

// The conv2d of 4-D x and weight whose geometry g has been checked.
Tensor conv2d_checked(const Tensor& x, const Tensor& weight, const Tensor& bias,
                      const ConvGeometry& g) {
  Tensor out = empty({g.N, g.O, g.OH, g.OW});
  const float* bias_data = bias.defined() ? bias.data() : nullptr;
  // conv2d_forward_for(g): the fastest algorithm for this shape (im2col, Winograd, small K).
  fast_or_naive(conv2d_forward_for(g), conv2d_forward_naive)(g, x.data(), weight.data(), bias_data,
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

// An input with no channels, as PyTorch 1.13 computes it (it keeps such
// inputs away from its kernels): out = x.view(-1) * weight.view(-1), both
// empty, plus bias[0], viewed as (N, 0, OH, OW). So out is empty and, through
// these ops, x and weight get empty gradients and bias a zero one.
Tensor conv2d_no_channels(const Tensor& x, const Tensor& weight, const Tensor& bias,
                          const ConvGeometry& g) {
  Tensor out = mul(reshape(x, {x.numel()}), reshape(weight, {weight.numel()}));
  if (bias.defined()) out = add(out, select(bias, 0, 0));
  return reshape(out, {g.N, 0, g.OH, g.OW});
}

// Check, then run: x (N, C, H, W) and weight (O, C/groups, kh, kw) are 4-D;
// call holds the shapes the user gave, for the messages.
Tensor conv2d_4d(const ConvCall& call, const Tensor& x, const Tensor& weight, const Tensor& bias,
                 const Conv2dOptions& options) {
  int64_t extra_h = 0, extra_w = 0;
  const ConvGeometry g = conv_geometry(call, x, weight, bias, options, &extra_h, &extra_w);
  if (g.C == 0) return conv2d_no_channels(x, weight, bias, g);
  return conv2d_checked(pad_end(pad_end(x, 2, extra_h), 3, extra_w), weight, bias, g);
}

}  // namespace

Tensor conv2d_fused_eval(const Tensor& x, const Tensor& weight, const Tensor& bias,
                         const Conv2dOptions& options, const Tensor& residual, bool relu) {
  if (!x.defined() || !weight.defined()) fail("conv2d: input and weight must be defined");
  if (x.dim() != 4 || weight.dim() != 4)
    fail("conv2d: the fused eval conv expects a 4-D input and weight, got ", x.shape(), " and ",
         weight.shape());
  // No history is recorded: a gradient asked for would silently never come.
  if (grad_enabled())
    for (const Tensor* t : {&x, &weight, &bias, &residual})
      if (t->defined() && t->requires_grad())
        fail("conv2d_fused_eval: inference only, but an input of shape ", t->shape(),
             " requires grad (use conv2d, or ag::NoGradGuard)");
  const ConvCall call{"conv2d", x.shape(), weight.shape()};
  int64_t extra_h = 0, extra_w = 0;
  const ConvGeometry g = conv_geometry(call, x, weight, bias, options, &extra_h, &extra_w);
  const Shape out_shape{g.N, g.O, g.OH, g.OW};
  if (residual.defined() && residual.shape() != out_shape)
    fail("add: shapes ", out_shape, " and ", residual.shape(),
         " cannot be broadcast together (the fused conv + batch norm + residual)");
  NoGradGuard no_grad;  // a constant result: nothing below records history
  if (g.C == 0 || kernels() == Kernels::Naive) {  // the unfused composition, step by step
    Tensor out = conv2d_4d(call, x, weight, bias, options);
    if (residual.defined()) out = add(out, residual);
    return relu ? ag::relu(out) : out;
  }
  const Tensor padded = pad_end(pad_end(x, 2, extra_h), 3, extra_w);
  Tensor out = empty(out_shape);
  const ConvEpilogue then{residual.defined() ? residual.data() : nullptr, relu};
  conv2d_forward_fused_fastest(g, padded.data(), weight.data(),
                               bias.defined() ? bias.data() : nullptr, then, out.data());
  return out;
}

PaddingRule parse_padding_rule(const char* op, const std::string& rule) {
  if (rule == "same") return PaddingRule::Same;
  if (rule == "valid") return PaddingRule::Valid;
  fail(op, ": invalid padding string \"", rule, "\" (expected \"same\", \"valid\" or a number)");
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const Conv2dOptions& options) {
  if (!x.defined() || !weight.defined()) fail("conv2d: input and weight must be defined");
  if (x.dim() != 3 && x.dim() != 4)
    fail("conv2d: expected a 3-D (unbatched) or 4-D input (N, C, H, W), got ", x.shape());
  if (weight.dim() != 4)
    fail("conv2d: expected a 4-D weight (O, C/groups, kh, kw), got ", weight.shape());
  const ConvCall call{"conv2d", x.shape(), weight.shape()};
  if (x.dim() == 3) return squeeze(conv2d_4d(call, unsqueeze(x, 0), weight, bias, options), 0);
  return conv2d_4d(call, x, weight, bias, options);
}

std::vector<Tensor> Conv2dBackward::apply(const Tensor& dout) {
  const Tensor saved_x = x.unpack(*this), saved_weight = weight.unpack(*this);
  Tensor dx, dweight, dbias;
  if (next_edges[0].valid()) {
    dx = empty(saved_x.shape());
    fast_or_naive(conv2d_backward_input_for(geometry), conv2d_backward_input_naive)(
        geometry, dout.data(), saved_weight.data(), dx.data());
  }
  const bool want_weight = next_edges[1].valid();
  const bool want_bias = next_edges.size() > 2 && next_edges[2].valid();
  if (want_weight) dweight = empty(saved_weight.shape());
  if (want_bias) dbias = empty({geometry.O});
  if (want_weight || want_bias)
    fast_or_naive(conv2d_backward_weight_for(geometry), conv2d_backward_weight_naive)(
        geometry, dout.data(), saved_x.data(), want_weight ? dweight.data() : nullptr,
        want_bias ? dbias.data() : nullptr);
  return {dx, dweight, dbias};
}

// ---------------------------------------------------------------- conv1d
// conv1d is conv2d over a height of 1: x (N, C, L) -> (N, C, 1, L), weight
// (O, C/groups, k) -> (O, C/groups, 1, k), and the output's height dropped.
// The reshapes share storage and pass gradients back to the 3-D tensors.
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const Conv1dOptions& options) {
  if (!x.defined() || !weight.defined()) fail("conv1d: input and weight must be defined");
  if (x.dim() != 2 && x.dim() != 3)
    fail("conv1d: expected a 2-D (unbatched) or 3-D input (N, C, L), got ", x.shape());
  if (weight.dim() != 3)
    fail("conv1d: expected a 3-D weight (O, C/groups, k), got ", weight.shape());
  if (options.stride_l < 1) fail("conv1d: stride must be >= 1, got ", options.stride_l);
  if (options.pad_l < 0) fail("conv1d: padding must be >= 0, got ", options.pad_l);
  if (options.dilation_l < 1) fail("conv1d: dilation must be >= 1, got ", options.dilation_l);

  Conv2dOptions as_2d;  // the height: kernel 1, stride 1, no padding
  as_2d.stride_w = options.stride_l, as_2d.pad_w = options.pad_l,
  as_2d.dilation_w = options.dilation_l;
  as_2d.groups = options.groups, as_2d.padding_rule = options.padding_rule;
  const ConvCall call{"conv1d", x.shape(), weight.shape()};
  const Tensor batched = x.dim() == 2 ? unsqueeze(x, 0) : x;
  Tensor out =
      squeeze(conv2d_4d(call, unsqueeze(batched, 2), unsqueeze(weight, 2), bias, as_2d), 2);
  return x.dim() == 2 ? squeeze(out, 0) : out;
}

}  // namespace ag
