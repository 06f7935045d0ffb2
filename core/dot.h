// core/dot.h: draw the autograd graph behind a tensor with Graphviz.
//
// to_dot(loss) returns DOT text: one box per backward node (MulBackward, ...),
// one ellipse per leaf tensor (its name and shape; optionally the values and
// grads of small tensors), the output on top, arrows in the direction gradients flow. Render it
// with `dot -Tsvg graph.dot -o graph.svg`, or call write_graph_svg(), which
// runs Graphviz's `dot` when it is installed (Debian: apt-get install graphviz)
// and otherwise throws an error that says how to install it.
#pragma once

#include <string>

#include "core/tensor.h"

namespace ag {

struct DotOptions {
  // Put each small tensor's values (and its .grad(), when it has one) in its
  // box, as micrograd's draw_dot does: to_dot(loss, {.values = true}). Only
  // tensors of at most kDotMaxValues elements; larger ones keep name and shape.
  // An op node shows its output's values while that output is still alive
  // (a node holds its output weakly) and its grad after backward when the
  // output kept it (retain_grad()); leaves show their values and .grad().
  bool values = false;
};
constexpr int64_t kDotMaxValues = 16;

std::string to_dot(const Tensor& root, const DotOptions& options = DotOptions());

// Writes <path_without_ext>.dot always, and <...>.svg through Graphviz. Returns
// the .svg path. Throws ag::Error when `dot` is missing or fails.
std::string write_graph_svg(const Tensor& root, const std::string& path_without_ext,
                            const DotOptions& options = DotOptions());

bool graphviz_available();

}  // namespace ag
