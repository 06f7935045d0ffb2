// core/dot.h: draw the autograd graph behind a tensor with Graphviz.
//
// to_dot(loss) returns DOT text: one box per backward node (MulBackward, ...),
// one ellipse per leaf tensor (its name and shape; optionally its values and
// grad), the output on top, arrows in the direction gradients flow. Render it
// with `dot -Tsvg graph.dot -o graph.svg`, or call write_graph_svg(), which
// runs Graphviz's `dot` when it is installed (Debian: apt-get install graphviz)
// and otherwise throws an error that says how to install it.
#pragma once

#include <string>

#include "core/tensor.h"

namespace ag {

struct DotOptions {
  bool show_values = false;  // print leaf values (small tensors only: first 6)
  bool show_grads = false;   // print leaf .grad() when present
};

std::string to_dot(const Tensor& root, const DotOptions& options = DotOptions());

// Writes <path_without_ext>.dot always, and <...>.svg through Graphviz. Returns
// the .svg path. Throws ag::Error when `dot` is missing or fails.
std::string write_graph_svg(const Tensor& root, const std::string& path_without_ext,
                            const DotOptions& options = DotOptions());

bool graphviz_available();

}  // namespace ag
