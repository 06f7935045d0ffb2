// nn/layers/pool.cpp: the pooling modules' checks and printed form
// (the forwards are the ops of core/ops/pool.h).
#include "nn/layers/pool.h"

namespace ag::nn {

namespace {

// PyTorch prints a size given as one number as that number, a pair as (h, w).
std::string size_repr(int64_t h, int64_t w) { return h == w ? std::to_string(h) : py_pair(h, w); }

// Checked when the module is built (PyTorch waits for the first call): the op
// would refuse the same options on every forward anyway.
void check_window(const char* type, const Pool2dOptions& o) {
  if (o.kernel_h < 1 || o.kernel_w < 1 || o.stride_h < 1 || o.stride_w < 1 || o.pad_h < 0 ||
      o.pad_w < 0)
    fail(type, ": kernel_size ", size_repr(o.kernel_h, o.kernel_w), " and stride ",
         size_repr(o.stride_h, o.stride_w), " must be >= 1 and padding ",
         size_repr(o.pad_h, o.pad_w), " >= 0");
}

void check_output_size(const char* type, int64_t out_h, int64_t out_w) {
  if (out_h < 1 || out_w < 1) fail(type, ": output_size must be >= 1, got ", py_pair(out_h, out_w));
}

}  // namespace

MaxPool2d::MaxPool2d(const Pool2dOptions& o) : UnaryModule("MaxPool2d"), options(o) {
  check_window("MaxPool2d", o);
  if (!o.include_pad || o.divisor)
    fail("MaxPool2d: count_include_pad and divisor_override are options of AvgPool2d only");
}

std::string MaxPool2d::extra_repr() const {
  const Pool2dOptions& o = options;
  return message("kernel_size=", size_repr(o.kernel_h, o.kernel_w),
                 ", stride=", size_repr(o.stride_h, o.stride_w),
                 ", padding=", size_repr(o.pad_h, o.pad_w),
                 ", dilation=1, ceil_mode=", py_bool(o.ceil));
}

AvgPool2d::AvgPool2d(const Pool2dOptions& o) : UnaryModule("AvgPool2d"), options(o) {
  check_window("AvgPool2d", o);
  if (o.divisor && *o.divisor == 0) fail("AvgPool2d: divisor_override must not be zero");
}

// PyTorch's AvgPool2d prints only these three.
std::string AvgPool2d::extra_repr() const {
  const Pool2dOptions& o = options;
  return message("kernel_size=", size_repr(o.kernel_h, o.kernel_w),
                 ", stride=", size_repr(o.stride_h, o.stride_w),
                 ", padding=", size_repr(o.pad_h, o.pad_w));
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(int64_t h, int64_t w)
    : UnaryModule("AdaptiveAvgPool2d"), out_h(h), out_w(w) {
  check_output_size("AdaptiveAvgPool2d", h, w);
}

std::string AdaptiveAvgPool2d::extra_repr() const {
  return "output_size=" + size_repr(out_h, out_w);
}

AdaptiveMaxPool2d::AdaptiveMaxPool2d(int64_t h, int64_t w)
    : UnaryModule("AdaptiveMaxPool2d"), out_h(h), out_w(w) {
  check_output_size("AdaptiveMaxPool2d", h, w);
}

std::string AdaptiveMaxPool2d::extra_repr() const {
  return "output_size=" + size_repr(out_h, out_w);
}

}  // namespace ag::nn
