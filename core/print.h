// core/print.h: turning tensors into text.
//
// Tensor::str() and operator<< print like PyTorch:
//   tensor([[ 0.1000, -0.2000],
//           [ 0.3000,  0.4000]], grad_fn=<MulBackward>)
// format_matrix() prints a 2-D tensor with row and column labels, which is how
// the tutorials show attention scores with the tokens on both axes.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace ag {

struct PrintOptions {
  int decimals = 4;
  int64_t threshold = 1000;  // more elements than this: summarize with "..."
  int64_t edge_items = 3;    // elements shown at each end of a summarized dimension
};

std::string to_string(const Tensor& t, const PrintOptions& options = PrintOptions());

// A labelled 2-D table. Labels may be empty (then indices are shown).
//             I       am      a   student
//   I    0.9000  0.5000 ...
std::string format_matrix(const Tensor& t, const std::vector<std::string>& row_labels,
                          const std::vector<std::string>& col_labels, int decimals = 4);

}  // namespace ag
