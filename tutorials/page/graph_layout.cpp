// tutorials/page/graph_layout.cpp: layers, barycentre order, boxes (graph_layout.h).
#include "tutorials/page/graph_layout.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <unordered_map>

#include "core/autograd.h"
#include "core/error.h"

namespace page {

Graph autograd_graph(const ag::Tensor& root) {
  if (!root.defined()) ag::fail("autograd_graph: called on an undefined tensor");
  Graph g;
  std::unordered_map<const void*, int> index;  // backward Node or leaf -> node index
  auto add = [&](const void* key, GraphNode node) {
    index[key] = static_cast<int>(g.nodes.size());
    g.nodes.push_back(std::move(node));
    return static_cast<int>(g.nodes.size()) - 1;
  };
  const int out = add(root.impl(),
                      {"output", root.name(), ag::shape_str(root.shape()), false, root.impl_ptr()});
  ag::Node* top = root.grad_fn().get();
  if (!top) return g;
  // The root's own op is drawn as the root node's op: "out = MatmulBackward".
  g.nodes[out].op = top->name();
  index[top] = out;
  std::vector<ag::Node*> stack{top};  // explicit stack, as to_dot: long graphs must not overflow
  while (!stack.empty()) {
    ag::Node* node = stack.back();
    stack.pop_back();
    const int consumer = index[node];
    for (const ag::Edge& e : node->next_edges) {
      const void* key = e.fn ? static_cast<const void*>(e.fn.get()) : e.leaf.get();
      if (!key) continue;  // an input that needs no gradient
      auto found = index.find(key);
      int input;
      if (found != index.end()) {
        input = found->second;
      } else if (e.fn) {
        input = add(key, {e.fn->name(), e.fn->output_name, ag::shape_str(e.fn->output_shape), false,
                          e.fn->output.lock()});
        stack.push_back(e.fn.get());
      } else {
        input = add(key, {"leaf", e.leaf->name, ag::shape_str(e.leaf->shape), true, e.leaf});
      }
      g.edges.push_back({input, consumer});
    }
  }
  return g;
}

void assign_layers(Graph& g) {
  // Kahn's topological order; a node's layer is fixed once all its inputs are.
  const size_t n = g.nodes.size();
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> consumers(n);
  for (const GraphEdge& e : g.edges) {
    ++pending[static_cast<size_t>(e.to)];
    consumers[static_cast<size_t>(e.from)].push_back(e.to);
  }
  std::vector<int> ready;
  for (size_t v = 0; v < n; ++v) {
    g.nodes[v].layer = 0;
    if (pending[v] == 0) ready.push_back(static_cast<int>(v));
  }
  size_t done = 0;
  while (!ready.empty()) {
    const int v = ready.back();
    ready.pop_back();
    ++done;
    for (int w : consumers[static_cast<size_t>(v)]) {
      GraphNode& next = g.nodes[static_cast<size_t>(w)];
      next.layer = std::max(next.layer, g.nodes[static_cast<size_t>(v)].layer + 1);
      if (--pending[static_cast<size_t>(w)] == 0) ready.push_back(w);
    }
  }
  if (done != n) ag::fail("assign_layers: the graph has a cycle (", n - done, " nodes on it)");
}

int count_crossings(const Graph& g) {
  int crossings = 0;
  for (size_t a = 0; a < g.edges.size(); ++a)
    for (size_t b = a + 1; b < g.edges.size(); ++b) {
      const GraphNode &a0 = g.nodes[g.edges[a].from], &a1 = g.nodes[g.edges[a].to];
      const GraphNode &b0 = g.nodes[g.edges[b].from], &b1 = g.nodes[g.edges[b].to];
      if (a1.layer != a0.layer + 1 || b0.layer != a0.layer || b1.layer != a1.layer) continue;
      // Two edges between the same two layers cross when their ends swap sides.
      if ((a0.order - b0.order) * (a1.order - b1.order) < 0) ++crossings;
    }
  return crossings;
}

namespace {

// Nodes by layer, each layer sorted by `order`.
std::vector<std::vector<int>> layers_of(const Graph& g) {
  int deepest = 0;
  for (const GraphNode& n : g.nodes) deepest = std::max(deepest, n.layer);
  std::vector<std::vector<int>> layers(static_cast<size_t>(deepest) + 1);
  for (size_t v = 0; v < g.nodes.size(); ++v)
    layers[static_cast<size_t>(g.nodes[v].layer)].push_back(static_cast<int>(v));
  for (auto& layer : layers)
    std::stable_sort(layer.begin(), layer.end(),
                     [&](int a, int b) { return g.nodes[a].order < g.nodes[b].order; });
  return layers;
}

// Reorders one layer by the mean order of each node's neighbours on the side
// already fixed (`from_above`: its inputs; else its consumers). A node with no
// such neighbour keeps its place.
void sort_by_barycentre(Graph& g, std::vector<int>& layer, bool from_above) {
  std::map<int, std::pair<double, int>> sum;  // node -> (sum of neighbour orders, count)
  for (const GraphEdge& e : g.edges) {
    const int self = from_above ? e.to : e.from, other = from_above ? e.from : e.to;
    sum[self].first += g.nodes[other].order;
    ++sum[self].second;
  }
  std::vector<std::pair<double, int>> keyed;
  for (int v : layer) {
    auto it = sum.find(v);
    const double centre = it != sum.end() ? it->second.first / it->second.second
                                          : static_cast<double>(g.nodes[v].order);
    keyed.push_back({centre, v});
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t k = 0; k < keyed.size(); ++k) {
    layer[k] = keyed[k].second;
    g.nodes[keyed[k].second].order = static_cast<int>(k);
  }
}

}  // namespace

void order_layers(Graph& g, int sweeps) {
  std::vector<std::vector<int>> layers = layers_of(g);
  for (auto& layer : layers)  // start from discovery order
    for (size_t k = 0; k < layer.size(); ++k) g.nodes[layer[k]].order = static_cast<int>(k);
  std::vector<int> best_order(g.nodes.size());
  auto remember = [&] {
    for (size_t v = 0; v < g.nodes.size(); ++v) best_order[v] = g.nodes[v].order;
  };
  remember();
  int best = count_crossings(g);
  for (int sweep = 0; sweep < sweeps && best > 0; ++sweep) {
    for (size_t k = 1; k < layers.size(); ++k) sort_by_barycentre(g, layers[k], true);
    for (size_t k = layers.size() - 1; k-- > 0;) sort_by_barycentre(g, layers[k], false);
    const int now = count_crossings(g);
    if (now < best) {
      best = now;
      remember();
    }
  }
  for (size_t v = 0; v < g.nodes.size(); ++v) g.nodes[v].order = best_order[v];
}

std::string node_label(const GraphNode& n) {
  if (n.is_leaf) return n.name.empty() ? "leaf" : n.name;
  return (n.name.empty() ? "" : n.name + " = ") + n.op;
}

void place_boxes(Graph& g) {
  const std::vector<std::vector<int>> layers = layers_of(g);
  std::vector<double> row_width(layers.size(), 0);
  for (GraphNode& n : g.nodes) {
    const size_t longest = std::max(node_label(n).size(), n.shape.size());
    n.width = 16 + kCharWidth * static_cast<double>(longest);
    n.height = kBoxHeight;
  }
  g.width = 0;
  for (size_t k = 0; k < layers.size(); ++k) {
    for (int v : layers[k]) row_width[k] += g.nodes[v].width;
    row_width[k] += kGap * static_cast<double>(layers[k].empty() ? 0 : layers[k].size() - 1);
    g.width = std::max(g.width, row_width[k]);
  }
  g.width += 2 * kGap;
  for (size_t k = 0; k < layers.size(); ++k) {
    double left = (g.width - row_width[k]) / 2;  // centre the layer
    for (int v : layers[k]) {
      GraphNode& n = g.nodes[v];
      n.x = left + n.width / 2;
      n.y = kGap + kBoxHeight / 2 + kLayerStep * static_cast<double>(k);
      left += n.width + kGap;
    }
  }
  g.height = 2 * kGap + kBoxHeight + kLayerStep * static_cast<double>(layers.size() - 1);
}

Graph& layout_graph(Graph& g) {
  assign_layers(g);
  order_layers(g);
  place_boxes(g);
  return g;
}

}  // namespace page
