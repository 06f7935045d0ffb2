// nn/layers/conv.cpp: Conv2d.
#include "nn/layers/conv.h"

#include "nn/init.h"

namespace ag::nn {

Conv2d::Conv2d(int64_t in, int64_t out, int64_t k, const Conv2dOptions& opts, bool with_bias)
    : UnaryModule("Conv2d"), in_channels(in), out_channels(out), kernel_size(k), options(opts) {
  if (in <= 0 || out <= 0 || k <= 0)
    fail("Conv2d: in_channels ", in, ", out_channels ", out, " and kernel_size ", k, " must be > 0");
  if (opts.groups <= 0 || in % opts.groups != 0 || out % opts.groups != 0)
    fail("Conv2d: groups ", opts.groups, " must divide in_channels ", in, " and out_channels ", out);
  weight = register_parameter("weight", empty({out, in / opts.groups, k, k}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv2d::reset_parameters() { init::reset_linear_like(weight, bias); }

Tensor Conv2d::forward(const Tensor& x) { return conv2d(x, weight, bias, options); }

// PyTorch prints padding, dilation and groups only when they differ from the default.
std::string Conv2d::extra_repr() const {
  std::string s = message(in_channels, ", ", out_channels, ", kernel_size=", py_pair(kernel_size, kernel_size),
                          ", stride=", py_pair(options.stride_h, options.stride_w));
  if (options.pad_h != 0 || options.pad_w != 0) s += ", padding=" + py_pair(options.pad_h, options.pad_w);
  if (options.dilation_h != 1 || options.dilation_w != 1)
    s += ", dilation=" + py_pair(options.dilation_h, options.dilation_w);
  if (options.groups != 1) s += message(", groups=", options.groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

}  // namespace ag::nn
