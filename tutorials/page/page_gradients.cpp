// tutorials/page/page_gradients.cpp: tutorial 02's backward as page views:
// dL/dX beside X, and the autograd graph laid out by graph_layout.h.
#include "tutorials/page/page_data.h"

#include <map>

#include "core/ag.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/sentence.h"
#include "tutorials/page/captions.h"

namespace page {
namespace {

// Row and column labels of a tensor of the 02 graph: words on the rows of
// activations, dims on the rows of the weights W_Q, W_K, W_V; words on the
// columns of the (T, T) ones (a key per column), dims on the others.
Labels row_labels(const ag::TensorImpl& t, bool is_weight) {
  if (is_weight || t.shape.size() != 2) return dims(t.shape.empty() ? 1 : t.shape[0]);
  return tut::tokenize(tut::kEnglishSentence);
}
Labels col_labels(const ag::TensorImpl& t, const std::string& name) {
  if (name == "scores" || name == "scaled" || name == "weights")
    return tut::tokenize(tut::kEnglishSentence);
  return dims(t.shape.size() == 2 ? t.shape[1] : (t.shape.empty() ? 1 : t.shape[0]));
}

}  // namespace

GradientPage gradient_views() {
  const tut::EncoderLesson forward = tut::lesson02_encoder();
  const tut::BackwardLesson B = tut::lesson02_backward(forward);
  GradientPage P;
  P.layout = autograd_graph(B.graph_root);
  layout_graph(P.layout);

  // Names for the tensors the Attention struct holds but never named.
  const tut::Attention& a = B.attention;
  const std::map<const ag::TensorImpl*, std::string> known = {{a.scores.impl(), "scores"},
                                                              {a.scaled.impl(), "scaled"},
                                                              {a.weights.impl(), "weights"},
                                                              {a.out.impl(), "out"}};
  const std::map<std::string, std::string> formulas = {
      {"W_Q", "leaf: a copy of 02's W_Q that requires grad"},
      {"W_K", "leaf: a copy of 02's W_K that requires grad"},
      {"W_V", "leaf: a copy of 02's W_V that requires grad"},
      {"query", "query = x · W_Q"},
      {"key", "key = x · W_K"},
      {"value", "value = x · W_V"},
      {"scores", "scores = query · keyᵀ"},
      {"scaled", "scaled = scores / √" + std::to_string(tut::kWidth)},
      {"weights", "weights = softmax(scaled)"},
      {"out", "out = weights · value"}};

  P.gradients = make_view("02-grad", "02 · Backward: dL/dX beside X",
                          "A made-up upstream gradient dout flows back through every step; "
                          "autograd fills each tensor's .grad().");
  P.graph = make_view(
      "graph", "02 · The autograd graph",
      "Drawn from attograd's own graph (the nodes ag::to_dot walks), laid out here: "
      "click a node for its value and gradient. Green: leaves (W_Q, W_K, W_V); a thick border: "
      "the tensor kept its gradient.");
  P.graph.kind = "graph";
  int unnamed = 0;
  for (GraphNode& node : P.layout.nodes) {
    if (!node.tensor) continue;  // a temporary whose value is already freed
    auto it = known.find(node.tensor.get());
    if (node.name.empty())
      node.name = it != known.end() ? it->second : "t" + std::to_string(unnamed++);
    const ag::TensorImpl& t = *node.tensor;
    if (t.shape.size() > 2) continue;
    const bool is_weight = node.is_leaf;
    const Labels rows = row_labels(t, is_weight), cols = col_labels(t, node.name);
    const ag::Tensor value = ag::Tensor(node.tensor).detach();
    const std::string formula = formulas.count(node.name) ? formulas.at(node.name) : node.op;
    Matrix m = make_matrix(P.graph.id, node.name, value, rows, cols, formula);
    m.caption = values_caption(m);
    P.graph.matrices.push_back(m);
    ag::Tensor grad = t.grad ? ag::Tensor(t.grad) : ag::Tensor();
    if (node.name == "out") grad = B.dout;  // the root's gradient is the one we passed in
    if (!grad.defined()) continue;
    Matrix dm = make_matrix(P.graph.id, "d" + node.name, grad, rows, cols,
                            "dL/d" + node.name + " from backward");
    dm.is_gradient = true;
    dm.caption = gradient_caption(dm);
    P.graph.matrices.push_back(dm);
    // The gradients view: X then dX, same numbers under their own ids.
    for (Matrix copy : {m, dm}) {
      copy.id = "m-" + P.gradients.id + "-" + copy.name;
      P.gradients.matrices.push_back(copy);
    }
  }
  return P;
}

}  // namespace page
