// nn/layers/conv.cpp: Conv2d, Conv1d, ConvTranspose2d.
#include "nn/layers/conv.h"

#include "nn/init.h"

namespace ag::nn {

Conv2d::Conv2d(int64_t in, int64_t out, int64_t k, const Conv2dOptions& opts, bool with_bias)
    : UnaryModule("Conv2d"), in_channels(in), out_channels(out), kernel_size(k), options(opts) {
  if (in <= 0 || out <= 0 || k <= 0)
    fail("Conv2d: in_channels ", in, ", out_channels ", out, " and kernel_size ", k, " must be > 0");
  if (opts.groups <= 0 || in % opts.groups != 0 || out % opts.groups != 0)
    fail("Conv2d: groups ", opts.groups, " must divide in_channels ", in, " and out_channels ", out);
  if (opts.padding_rule == PaddingRule::Same && (opts.stride_h != 1 || opts.stride_w != 1))
    fail("Conv2d: padding=\"same\" needs stride 1, got stride ", py_pair(opts.stride_h, opts.stride_w));
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
  if (options.padding_rule != PaddingRule::Explicit)
    s += options.padding_rule == PaddingRule::Same ? ", padding=same" : ", padding=valid";
  else if (options.pad_h != 0 || options.pad_w != 0)
    s += ", padding=" + py_pair(options.pad_h, options.pad_w);
  if (options.dilation_h != 1 || options.dilation_w != 1)
    s += ", dilation=" + py_pair(options.dilation_h, options.dilation_w);
  if (options.groups != 1) s += message(", groups=", options.groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

// ---------------------------------------------------------------- Conv1d
Conv1d::Conv1d(int64_t in, int64_t out, int64_t k, const Conv1dOptions& opts, bool with_bias)
    : UnaryModule("Conv1d"), in_channels(in), out_channels(out), kernel_size(k), options(opts) {
  if (in <= 0 || out <= 0 || k <= 0)
    fail("Conv1d: in_channels ", in, ", out_channels ", out, " and kernel_size ", k, " must be > 0");
  if (opts.groups <= 0 || in % opts.groups != 0 || out % opts.groups != 0)
    fail("Conv1d: groups ", opts.groups, " must divide in_channels ", in, " and out_channels ", out);
  if (opts.padding_rule == PaddingRule::Same && opts.stride_l != 1)
    fail("Conv1d: padding=\"same\" needs stride 1, got stride ", opts.stride_l);
  weight = register_parameter("weight", empty({out, in / opts.groups, k}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv1d::reset_parameters() { init::reset_linear_like(weight, bias); }

Tensor Conv1d::forward(const Tensor& x) { return conv1d(x, weight, bias, options); }

// PyTorch prints 1-tuples: kernel_size=(3,).
std::string Conv1d::extra_repr() const {
  auto one = [](int64_t v) { return message("(", v, ",)"); };
  std::string s = message(in_channels, ", ", out_channels, ", kernel_size=", one(kernel_size),
                          ", stride=", one(options.stride_l));
  if (options.padding_rule != PaddingRule::Explicit)
    s += options.padding_rule == PaddingRule::Same ? ", padding=same" : ", padding=valid";
  else if (options.pad_l != 0)
    s += ", padding=" + one(options.pad_l);
  if (options.dilation_l != 1) s += ", dilation=" + one(options.dilation_l);
  if (options.groups != 1) s += message(", groups=", options.groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

// ---------------------------------------------------------------- ConvTranspose2d
ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, int64_t k, const ConvTranspose2dOptions& opts,
                                 bool with_bias)
    : UnaryModule("ConvTranspose2d"), in_channels(in), out_channels(out), kernel_size(k), options(opts) {
  if (in <= 0 || out <= 0 || k <= 0)
    fail("ConvTranspose2d: in_channels ", in, ", out_channels ", out, " and kernel_size ", k, " must be > 0");
  if (opts.groups <= 0 || in % opts.groups != 0 || out % opts.groups != 0)
    fail("ConvTranspose2d: groups ", opts.groups, " must divide in_channels ", in, " and out_channels ", out);
  weight = register_parameter("weight", empty({in, out / opts.groups, k, k}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

// fans(weight) reads fan_in from dimension 1, (O/groups)·k·k here: PyTorch's number.
void ConvTranspose2d::reset_parameters() { init::reset_linear_like(weight, bias); }

Tensor ConvTranspose2d::forward(const Tensor& x) { return conv_transpose2d(x, weight, bias, options); }

// PyTorch's order: padding, dilation, output_padding, groups, each only when not the default.
std::string ConvTranspose2d::extra_repr() const {
  std::string s = message(in_channels, ", ", out_channels, ", kernel_size=", py_pair(kernel_size, kernel_size),
                          ", stride=", py_pair(options.stride_h, options.stride_w));
  if (options.pad_h != 0 || options.pad_w != 0) s += ", padding=" + py_pair(options.pad_h, options.pad_w);
  if (options.dilation_h != 1 || options.dilation_w != 1)
    s += ", dilation=" + py_pair(options.dilation_h, options.dilation_w);
  if (options.output_pad_h != 0 || options.output_pad_w != 0)
    s += ", output_padding=" + py_pair(options.output_pad_h, options.output_pad_w);
  if (options.groups != 1) s += message(", groups=", options.groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

}  // namespace ag::nn
