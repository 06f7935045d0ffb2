// nn/layers/conv.cpp: Conv2d, Conv1d, ConvTranspose2d.
#include "nn/layers/conv.h"

#include <string>
#include <utility>

#include "core/ops/pad.h"
#include "nn/init.h"

namespace ag::nn {

namespace {

// PyTorch's four padding modes of a conv module; anything else is refused
// when the module is built, not at its first forward.
void check_padding_mode(const char* module, const std::string& mode) {
  if (mode != "zeros" && mode != "reflect" && mode != "replicate" && mode != "circular")
    fail(module,
         ": padding_mode must be \"zeros\", \"reflect\", \"replicate\" or \"circular\", got \"",
         mode, "\"");
}

// One spatial dim's (before, after) pads: "same" pads dilation·(k-1) in all,
// the odd unit after (PyTorch's _reversed_padding_repeated_twice), "valid" none.
std::pair<int64_t, int64_t> explicit_pads(PaddingRule rule, int64_t pad, int64_t dilation,
                                          int64_t k) {
  if (rule == PaddingRule::Valid) return {0, 0};
  if (rule == PaddingRule::Explicit) return {pad, pad};
  const int64_t total = dilation * (k - 1);
  return {total / 2, total - total / 2};
}

}  // namespace

Conv2d::Conv2d(int64_t in, int64_t out, int64_t k, const Conv2dOptions& opts, bool with_bias,
               const std::string& mode)
    : UnaryModule("Conv2d"),
      in_channels(in),
      out_channels(out),
      kernel_size(k),
      options(opts),
      padding_mode(mode) {
  if (in <= 0 || out <= 0 || k <= 0)
    fail("Conv2d: in_channels ", in, ", out_channels ", out, " and kernel_size ", k,
         " must be > 0");
  if (opts.groups <= 0 || in % opts.groups != 0 || out % opts.groups != 0)
    fail("Conv2d: groups ", opts.groups, " must divide in_channels ", in, " and out_channels ",
         out);
  if (opts.padding_rule == PaddingRule::Same && (opts.stride_h != 1 || opts.stride_w != 1))
    fail("Conv2d: padding=\"same\" needs stride 1, got stride ",
         py_pair(opts.stride_h, opts.stride_w));
  check_padding_mode("Conv2d", mode);
  weight = register_parameter("weight", empty({out, in / opts.groups, k, k}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv2d::reset_parameters() { init::reset_linear_like(weight, bias); }

// A padding_mode other than zeros: pad x in that mode, then convolve with no
// padding (pad's list runs last dim first: W's pair, then H's).
Tensor Conv2d::forward(const Tensor& x) {
  if (padding_mode == "zeros") return conv2d(x, weight, bias, options);
  const auto [top, bottom] =
      explicit_pads(options.padding_rule, options.pad_h, options.dilation_h, kernel_size);
  const auto [left, right] =
      explicit_pads(options.padding_rule, options.pad_w, options.dilation_w, kernel_size);
  Conv2dOptions unpadded = options;
  unpadded.padding(0);
  return conv2d(pad(x, {left, right, top, bottom}, padding_mode), weight, bias, unpadded);
}

// PyTorch prints padding, dilation, groups, bias and padding_mode only when
// they differ from the default (padding_mode last, unquoted: padding_mode=reflect).
std::string Conv2d::extra_repr() const {
  std::string s =
      message(in_channels, ", ", out_channels, ", kernel_size=", py_pair(kernel_size, kernel_size),
              ", stride=", py_pair(options.stride_h, options.stride_w));
  if (options.padding_rule != PaddingRule::Explicit)
    s += options.padding_rule == PaddingRule::Same ? ", padding=same" : ", padding=valid";
  else if (options.pad_h != 0 || options.pad_w != 0)
    s += ", padding=" + py_pair(options.pad_h, options.pad_w);
  if (options.dilation_h != 1 || options.dilation_w != 1)
    s += ", dilation=" + py_pair(options.dilation_h, options.dilation_w);
  if (options.groups != 1) s += message(", groups=", options.groups);
  if (!bias.defined()) s += ", bias=False";
  if (padding_mode != "zeros") s += ", padding_mode=" + padding_mode;
  return s;
}

// ---------------------------------------------------------------- Conv1d
Conv1d::Conv1d(int64_t in, int64_t out, int64_t k, const Conv1dOptions& opts, bool with_bias,
               const std::string& mode)
    : UnaryModule("Conv1d"),
      in_channels(in),
      out_channels(out),
      kernel_size(k),
      options(opts),
      padding_mode(mode) {
  if (in <= 0 || out <= 0 || k <= 0)
    fail("Conv1d: in_channels ", in, ", out_channels ", out, " and kernel_size ", k,
         " must be > 0");
  if (opts.groups <= 0 || in % opts.groups != 0 || out % opts.groups != 0)
    fail("Conv1d: groups ", opts.groups, " must divide in_channels ", in, " and out_channels ",
         out);
  if (opts.padding_rule == PaddingRule::Same && opts.stride_l != 1)
    fail("Conv1d: padding=\"same\" needs stride 1, got stride ", opts.stride_l);
  check_padding_mode("Conv1d", mode);
  weight = register_parameter("weight", empty({out, in / opts.groups, k}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv1d::reset_parameters() { init::reset_linear_like(weight, bias); }

Tensor Conv1d::forward(const Tensor& x) {
  if (padding_mode == "zeros") return conv1d(x, weight, bias, options);
  const auto [left, right] =
      explicit_pads(options.padding_rule, options.pad_l, options.dilation_l, kernel_size);
  Conv1dOptions unpadded = options;
  unpadded.padding(0);
  return conv1d(pad(x, {left, right}, padding_mode), weight, bias, unpadded);
}

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
  if (padding_mode != "zeros") s += ", padding_mode=" + padding_mode;
  return s;
}

// ---------------------------------------------------------------- ConvTranspose2d
ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, int64_t k,
                                 const ConvTranspose2dOptions& opts, bool with_bias)
    : UnaryModule("ConvTranspose2d"),
      in_channels(in),
      out_channels(out),
      kernel_size(k),
      options(opts) {
  if (in <= 0 || out <= 0 || k <= 0)
    fail("ConvTranspose2d: in_channels ", in, ", out_channels ", out, " and kernel_size ", k,
         " must be > 0");
  if (opts.groups <= 0 || in % opts.groups != 0 || out % opts.groups != 0)
    fail("ConvTranspose2d: groups ", opts.groups, " must divide in_channels ", in,
         " and out_channels ", out);
  weight = register_parameter("weight", empty({in, out / opts.groups, k, k}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

// fans(weight) reads fan_in from dimension 1, (O/groups)·k·k here: PyTorch's number.
void ConvTranspose2d::reset_parameters() { init::reset_linear_like(weight, bias); }

Tensor ConvTranspose2d::forward(const Tensor& x) {
  return conv_transpose2d(x, weight, bias, options);
}

// PyTorch's order: padding, dilation, output_padding, groups, each only when not the default.
std::string ConvTranspose2d::extra_repr() const {
  std::string s =
      message(in_channels, ", ", out_channels, ", kernel_size=", py_pair(kernel_size, kernel_size),
              ", stride=", py_pair(options.stride_h, options.stride_w));
  if (options.pad_h != 0 || options.pad_w != 0)
    s += ", padding=" + py_pair(options.pad_h, options.pad_w);
  if (options.dilation_h != 1 || options.dilation_w != 1)
    s += ", dilation=" + py_pair(options.dilation_h, options.dilation_w);
  if (options.output_pad_h != 0 || options.output_pad_w != 0)
    s += ", output_padding=" + py_pair(options.output_pad_h, options.output_pad_w);
  if (options.groups != 1) s += message(", groups=", options.groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

}  // namespace ag::nn
