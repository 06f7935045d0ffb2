// core/ops/pool.h: pooling over H×W of an (N, C, H, W) tensor.
#pragma once

#include "core/tensor.h"

namespace ag {

struct Pool2dOptions {
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;  // PyTorch's default stride is the kernel size
  int64_t pad_h = 0, pad_w = 0;
  explicit Pool2dOptions(int64_t k) : kernel_h(k), kernel_w(k), stride_h(k), stride_w(k) {}
  Pool2dOptions& stride(int64_t s) { stride_h = stride_w = s; return *this; }
  Pool2dOptions& padding(int64_t p) { pad_h = pad_w = p; return *this; }
};

// Average over each window; padded cells count as zeros in the divisor, as
// PyTorch's default count_include_pad=true.
Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options);
// Max over each window; backward routes the gradient to the arg-max cell.
Tensor max_pool2d(const Tensor& x, const Pool2dOptions& options);
// Global average pooling to (N, C, out_h, out_w) with PyTorch's bin edges.
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);

}  // namespace ag
