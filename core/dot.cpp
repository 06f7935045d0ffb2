// core/dot.cpp: walking the graph (without recursion) and printing DOT.
#include "core/dot.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <unordered_map>

#include "core/autograd.h"
#include "core/io/atomic_file.h"

namespace ag {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// A small tensor's values, one row (last dimension) per line, 4 decimals:
// "[0.1500, 0.2000]\n[-0.0950, 0.0100]". Rows of a 0-d or 1-d tensor: one line.
std::string values_text(const TensorImpl& t) {
  const float* v = t.storage->data.data();
  const int64_t n = numel_of(t.shape);
  const int64_t row = t.shape.empty() ? 1 : std::max<int64_t>(t.shape.back(), 1);
  std::string out;
  char number[32];
  for (int64_t i = 0; i < n; ++i) {
    std::snprintf(number, sizeof number, "%.4f", static_cast<double>(v[i]));
    out += (i % row == 0 ? (i ? "]\\n[" : "[") : ", ") + std::string(number);
  }
  return out + "]";
}

bool small(const TensorImpl& t) {
  const int64_t n = numel_of(t.shape);
  return n <= kDotMaxValues && t.storage && static_cast<int64_t>(t.storage->data.size()) >= n;
}

// name, shape, and with options.values the data and grad of a small tensor.
std::string tensor_label(const TensorImpl& impl, const DotOptions& opt) {
  std::string label = (impl.name.empty() ? std::string("tensor") : escape(impl.name)) + "\\n" +
                      shape_str(impl.shape);
  if (opt.values && small(impl)) {
    label += "\\ndata " + values_text(impl);
    if (impl.grad && small(*impl.grad)) label += "\\ngrad " + values_text(*impl.grad);
  }
  return label;
}

}  // namespace

std::string to_dot(const Tensor& root, const DotOptions& opt) {
  if (!root.defined()) fail("to_dot: called on an undefined tensor");
  std::ostringstream dot;
  dot << "digraph autograd {\n  rankdir=BT;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  dot << "  out [shape=ellipse, style=filled, fillcolor=\"#cde4ff\", label=\""
      << tensor_label(*root.impl(), opt) << "\"];\n";
  if (!root.grad_fn()) return dot.str() + "}\n";

  std::unordered_map<const void*, int> ids;  // node or leaf -> DOT id
  auto id_of = [&](const void* p, bool& fresh) {
    auto [it, inserted] = ids.emplace(p, static_cast<int>(ids.size()));
    fresh = inserted;
    return it->second;
  };
  bool fresh;
  std::vector<Node*> stack{root.grad_fn().get()};
  dot << "  n" << id_of(stack.back(), fresh) << " -> out;\n";
  while (!stack.empty()) {  // explicit stack: long graphs must not overflow
    Node* node = stack.back();
    stack.pop_back();
    int id = ids[node];
    std::string label = node->name();
    if (!node->output_name.empty()) label += "\\n→ " + escape(node->output_name);
    label += "\\n" + shape_str(node->output_shape);
    if (opt.values && node != root.grad_fn().get())  // the root's values are in the "out" ellipse
      if (std::shared_ptr<TensorImpl> output = node->output.lock(); output && small(*output)) {
        label += "\\ndata " + values_text(*output);
        if (output->grad && small(*output->grad)) label += "\\ngrad " + values_text(*output->grad);
      }
    dot << "  n" << id << " [shape=box, style=filled, fillcolor=\"#eeeeee\", label=\"" << label
        << "\"];\n";
    for (const Edge& e : node->next_edges) {
      if (e.fn) {
        int child = id_of(e.fn.get(), fresh);
        if (fresh) stack.push_back(e.fn.get());
        dot << "  n" << child << " -> n" << id << ";\n";
      } else if (e.leaf) {
        int leaf = id_of(e.leaf.get(), fresh);
        if (fresh)
          dot << "  n" << leaf << " [shape=ellipse, style=filled, fillcolor=\"#d5f5d5\", label=\""
              << tensor_label(*e.leaf, opt) << "\"];\n";
        dot << "  n" << leaf << " -> n" << id << ";\n";
      }
    }
  }
  dot << "}\n";
  return dot.str();
}

bool graphviz_available() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

std::string write_graph_svg(const Tensor& root, const std::string& base, const DotOptions& opt) {
  const std::string dot_path = base + ".dot", svg_path = base + ".svg";
  io::write_file_atomic(dot_path, to_dot(root, opt));
  if (!graphviz_available())
    fail("write_graph_svg: wrote ", dot_path,
         " but Graphviz's 'dot' is not installed, so no SVG; "
         "install it with: sudo apt-get install graphviz");
  // Render to a temporary name, then rename: a failed render leaves no half SVG.
  const std::string tmp = svg_path + ".tmp";
  std::string cmd = "dot -Tsvg '" + dot_path + "' -o '" + tmp + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) {
    std::remove(tmp.c_str());
    fail("write_graph_svg: Graphviz failed to render ", dot_path);
  }
  if (std::rename(tmp.c_str(), svg_path.c_str()) != 0)
    fail("write_graph_svg: cannot rename to ", svg_path);
  return svg_path;
}

}  // namespace ag
