// core/ops/pool.cpp: avg_pool2d, max_pool2d, adaptive_avg_pool2d and
// adaptive_max_pool2d, the autograd
// ops over core/kernels/pool.h (fast) and core/reference/pool_naive.h
// (naive), chosen by kernels().
//
// Shape legend: N batch, C channels, H×W input, OH×OW output, kh×kw window.
// x (N, C, H, W) -> out (N, C, OH, OW); the kernels see P = N*C planes. An
// unbatched x (C, H, W) is simply P = C planes, and out is (C, OH, OW).
//
// Backward of each, in one line:
//   avg:          every cell of a window gets dout / divisor (kh*kw by default)
//   max:          only the arg-max cell of a window gets dout (saved indices)
//   adaptive avg: every cell of a bin gets dout / (cells in the bin)
//   adaptive max: only the arg-max cell of a bin gets dout (max's scatter)
#include "core/ops/pool.h"

#include <vector>

#include "core/autograd.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/pool.h"
#include "core/reference/pool_naive.h"

namespace ag {

namespace {

void check_image(const char* op, const Tensor& x) {
  if (!x.defined()) fail(op, ": input must be defined");
  if (x.dim() != 3 && x.dim() != 4)
    fail(op, ": expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got ", x.shape());
}

// The image planes of x: N*C, or C when x is unbatched.
int64_t planes_of(const Shape& shape) { return shape.size() == 4 ? shape[0] * shape[1] : shape[0]; }

// x's shape with the image (the last two sizes) replaced by OH×OW.
Shape pooled_shape(const Tensor& x, int64_t OH, int64_t OW) {
  Shape shape = x.shape();
  shape[shape.size() - 2] = OH;
  shape[shape.size() - 1] = OW;
  return shape;
}

// Check the window against x and PyTorch's rules, then describe the shapes.
PoolGeometry pool_geometry(const char* op, const Tensor& x, const Pool2dOptions& opt) {
  check_image(op, x);
  if (opt.kernel_h < 1 || opt.kernel_w < 1)
    fail(op, ": kernel size must be >= 1, got (", opt.kernel_h, ", ", opt.kernel_w, ")");
  if (opt.stride_h < 1 || opt.stride_w < 1)
    fail(op, ": stride must be >= 1, got (", opt.stride_h, ", ", opt.stride_w, ")");
  if (opt.pad_h < 0 || opt.pad_w < 0)
    fail(op, ": padding must be >= 0, got (", opt.pad_h, ", ", opt.pad_w, ")");
  // Wider padding could make a window of pure padding (a max of nothing).
  // Written pad > k/2, not 2*pad > k, which overflows for a pad near 2^62.
  if (opt.pad_h > opt.kernel_h / 2 || opt.pad_w > opt.kernel_w / 2)
    fail(op, ": padding (", opt.pad_h, ", ", opt.pad_w, ") must be at most half the kernel (",
         opt.kernel_h, ", ", opt.kernel_w, ")");
  // An empty image would leave every window pure padding, so still a max of nothing.
  if (x.size(-2) < 1 || x.size(-1) < 1) fail(op, ": input ", x.shape(), " has an empty image");
  PoolGeometry g;
  g.planes = planes_of(x.shape()), g.H = x.size(-2), g.W = x.size(-1);
  g.kh = opt.kernel_h, g.kw = opt.kernel_w;
  g.stride_h = opt.stride_h, g.stride_w = opt.stride_w;
  g.pad_h = opt.pad_h, g.pad_w = opt.pad_w;
  g.ceil_mode = opt.ceil;
  g.count_include_pad = opt.include_pad;
  g.divisor_override = opt.divisor.value_or(0);
  pool_fill_output_size(g);
  if (g.OH < 1 || g.OW < 1)
    fail(op, ": kernel ", Shape{g.kh, g.kw}, " is larger than the padded input ",
         Shape{g.H + 2 * g.pad_h, g.W + 2 * g.pad_w}, " of input ", x.shape());
  return g;
}

// max_pool2d has neither count_include_pad nor divisor_override: refused,
// not silently ignored. avg_pool2d's override must not be zero (PyTorch's rule).
void check_avg_only_options(const char* op, const Pool2dOptions& opt, bool is_avg) {
  if (!is_avg && (!opt.include_pad || opt.divisor))
    fail(op, ": count_include_pad and divisor_override are options of avg_pool2d only");
  if (is_avg && opt.divisor && *opt.divisor == 0) fail(op, ": divisor_override must not be zero");
}

}  // namespace

// ---------------------------------------------------------------- avg_pool2d
struct AvgPool2dBackward : Node {
  PoolGeometry geometry;
  Shape input_shape;
  std::string name() const override { return "AvgPool2dBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options) {
  check_avg_only_options("avg_pool2d", options, true);
  const PoolGeometry g = pool_geometry("avg_pool2d", x, options);
  Tensor out = empty(pooled_shape(x, g.OH, g.OW));
  fast_or_naive(avg_pool2d_forward, avg_pool2d_forward_naive)(g, x.data(), out.data());
  if (needs_grad({x})) {
    auto node = std::make_shared<AvgPool2dBackward>();
    node->geometry = g;
    node->input_shape = x.shape();
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> AvgPool2dBackward::apply(const Tensor& dout) {
  Tensor dx = empty(input_shape);
  fast_or_naive(avg_pool2d_backward, avg_pool2d_backward_naive)(geometry, dout.data(), dx.data());
  return {dx};
}

// ---------------------------------------------------------------- max_pool2d
// Saves where each maximum came from, not x: backward only routes dout.
struct MaxPool2dBackward : Node {
  PoolGeometry geometry;
  Shape input_shape;
  std::vector<int64_t> argmax;  // (P, OH, OW), plane-local ih*W + iw
  std::string name() const override { return "MaxPool2dBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { argmax = {}; }
};

Tensor max_pool2d(const Tensor& x, const Pool2dOptions& options) {
  check_avg_only_options("max_pool2d", options, false);
  const PoolGeometry g = pool_geometry("max_pool2d", x, options);
  Tensor out = empty(pooled_shape(x, g.OH, g.OW));
  std::vector<int64_t> argmax(static_cast<size_t>(out.numel()));
  fast_or_naive(max_pool2d_forward, max_pool2d_forward_naive)(g, x.data(), out.data(),
                                                              argmax.data());
  if (needs_grad({x})) {
    auto node = std::make_shared<MaxPool2dBackward>();
    node->geometry = g;
    node->input_shape = x.shape();
    node->argmax = std::move(argmax);
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> MaxPool2dBackward::apply(const Tensor& dout) {
  Tensor dx = empty(input_shape);
  fast_or_naive(max_pool2d_backward, max_pool2d_backward_naive)(geometry, dout.data(),
                                                                argmax.data(), dx.data());
  return {dx};
}

// ---------------------------------------------------------------- adaptive_avg_pool2d
struct AdaptiveAvgPool2dBackward : Node {
  Shape input_shape;
  int64_t out_h = 1, out_w = 1;
  std::string name() const override { return "AdaptiveAvgPool2dBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  check_image("adaptive_avg_pool2d", x);
  if (out_h < 1 || out_w < 1)
    fail("adaptive_avg_pool2d: output size must be >= 1, got (", out_h, ", ", out_w, ")");
  if (x.size(-2) < 1 || x.size(-1) < 1)
    fail("adaptive_avg_pool2d: input ", x.shape(), " has an empty image");
  checked_numel("adaptive_avg_pool2d", pooled_shape(x, out_h, out_w));
  Tensor out = empty(pooled_shape(x, out_h, out_w));
  fast_or_naive(adaptive_avg_pool2d_forward, adaptive_avg_pool2d_forward_naive)(
      planes_of(x.shape()), x.size(-2), x.size(-1), out_h, out_w, x.data(), out.data());
  if (needs_grad({x})) {
    auto node = std::make_shared<AdaptiveAvgPool2dBackward>();
    node->input_shape = x.shape();
    node->out_h = out_h;
    node->out_w = out_w;
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> AdaptiveAvgPool2dBackward::apply(const Tensor& dout) {
  Tensor dx = empty(input_shape);
  fast_or_naive(adaptive_avg_pool2d_backward, adaptive_avg_pool2d_backward_naive)(
      planes_of(input_shape), input_shape[input_shape.size() - 2], input_shape.back(), out_h, out_w,
      dout.data(), dx.data());
  return {dx};
}

// ---------------------------------------------------------------- adaptive_max_pool2d
// Saves where each bin's maximum came from; backward is max_pool2d's scatter.
struct AdaptiveMaxPool2dBackward : Node {
  PoolGeometry geometry;  // only planes, H, W, OH, OW: what the scatter reads
  Shape input_shape;
  std::vector<int64_t> argmax;  // (P, OH, OW), plane-local ih*W + iw
  std::string name() const override { return "AdaptiveMaxPool2dBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { argmax = {}; }
};

std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& x, int64_t out_h,
                                                           int64_t out_w) {
  check_image("adaptive_max_pool2d", x);
  if (out_h < 1 || out_w < 1)
    fail("adaptive_max_pool2d: output size must be >= 1, got (", out_h, ", ", out_w, ")");
  if (x.size(-2) < 1 || x.size(-1) < 1)
    fail("adaptive_max_pool2d: input ", x.shape(), " has an empty image");
  checked_numel("adaptive_max_pool2d", pooled_shape(x, out_h, out_w));
  PoolGeometry g;
  g.planes = planes_of(x.shape()), g.H = x.size(-2), g.W = x.size(-1), g.OH = out_h, g.OW = out_w;
  Tensor out = empty(pooled_shape(x, out_h, out_w));
  std::vector<int64_t> argmax(static_cast<size_t>(out.numel()));
  fast_or_naive(adaptive_max_pool2d_forward, adaptive_max_pool2d_forward_naive)(
      g.planes, g.H, g.W, out_h, out_w, x.data(), out.data(), argmax.data());
  Tensor indices = empty(out.shape());  // float32: attograd's one dtype (pool.h)
  for (size_t i = 0; i < argmax.size(); ++i) indices.data()[i] = float(argmax[i]);
  if (needs_grad({x})) {
    auto node = std::make_shared<AdaptiveMaxPool2dBackward>();
    node->geometry = g;
    node->input_shape = x.shape();
    node->argmax = std::move(argmax);
    attach(out, node, {x});
  }
  return {out, indices};
}

Tensor adaptive_max_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  return adaptive_max_pool2d_with_indices(x, out_h, out_w).first;
}

// out = x[argmax] per bin, so only that cell gets the gradient (bins may overlap).
std::vector<Tensor> AdaptiveMaxPool2dBackward::apply(const Tensor& dout) {
  Tensor dx = empty(input_shape);
  fast_or_naive(max_pool2d_backward, max_pool2d_backward_naive)(geometry, dout.data(),
                                                                argmax.data(), dx.data());
  return {dx};
}

}  // namespace ag
