// core/ops/pool.h: pooling over H×W of an (N, C, H, W) tensor, or of an
// unbatched (C, H, W) one (the output, and the gradient, stay unbatched).
#pragma once

#include <optional>
#include <utility>

#include "core/tensor.h"

namespace ag {

struct Pool2dOptions {
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;  // PyTorch's default stride is the kernel size
  int64_t pad_h = 0, pad_w = 0;
  explicit Pool2dOptions(int64_t k) : kernel_h(k), kernel_w(k), stride_h(k), stride_w(k) {}
  Pool2dOptions& stride(int64_t s) {
    stride_h = stride_w = s;
    return *this;
  }
  Pool2dOptions& padding(int64_t p) {
    pad_h = pad_w = p;
    return *this;
  }

  // PyTorch's ceil_mode, count_include_pad and divisor_override (all keep
  // their PyTorch defaults). ceil: round the output size up, so a last,
  // partial window covers the leftover rows; a window must still start inside
  // the input or its left padding. (No `dilation`: attograd's pools have none.)
  bool ceil = false;
  bool include_pad = true;         // avg only: padded cells count in the divisor
  std::optional<int64_t> divisor;  // avg only: divide every window by this instead
  Pool2dOptions& ceil_mode(bool on) {
    ceil = on;
    return *this;
  }
  Pool2dOptions& count_include_pad(bool on) {
    include_pad = on;
    return *this;
  }
  Pool2dOptions& divisor_override(int64_t d) {
    divisor = d;
    return *this;
  }
};

// Average over each window; padded cells count as zeros in the divisor, as
// PyTorch's default count_include_pad=true (a ceil-mode window reaching past
// the padding divides by its cells inside the padded input, as PyTorch).
Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options);
// Max over each window; backward routes the gradient to the arg-max cell.
Tensor max_pool2d(const Tensor& x, const Pool2dOptions& options);
// Global average pooling to (N, C, out_h, out_w) with PyTorch's bin edges.
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);

// Max over each of PyTorch's adaptive bins (rows [floor(i*H/OH), ceil((i+1)*H/OH)),
// columns likewise); backward routes the gradient to each bin's arg-max.
Tensor adaptive_max_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
// The same, with the arg-max of each bin as a flat index ih*W + iw within its
// plane (PyTorch's return_indices=True). The indices are a float32 tensor,
// not int64: attograd has one dtype (exact up to 2^24 cells per plane).
std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& x, int64_t out_h,
                                                           int64_t out_w);

}  // namespace ag
