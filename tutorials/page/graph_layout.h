// tutorials/page/graph_layout.h: the autograd graph laid out for drawing,
// without Graphviz.
//
// ag::to_dot (core/dot.h) writes the graph behind a tensor as DOT text for
// Graphviz to draw. The page draws the same graph itself, as SVG, with the
// classic layered ("Sugiyama") method in three short passes:
//   1. layers:  longest path from the leaves, layer(v) = 1 + max layer(input),
//               so every edge points down, from a smaller layer to a larger;
//   2. order:   within a layer, sort nodes by the barycentre (mean position)
//               of their neighbours in the layers above, then below, a few
//               sweeps, keeping the order with the fewest edge crossings;
//   3. place:   boxes left to right, kGap apart, each layer centred.
//
// Direction: the drawing follows the forward pass, leaves (W_Q, ...) at the
// top, the output at the bottom; gradients flow back up the same edges.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace page {

constexpr double kGap = 24;         // between two boxes of a layer
constexpr double kLayerStep = 70;   // between the centres of two layers
constexpr double kCharWidth = 7.2;  // a label character, at the page's 12px font
constexpr double kBoxHeight = 40;

struct GraphNode {
  std::string op;    // "MatmulBackward", or "leaf" for a tensor no op made
  std::string name;  // the tensor's name ("query", "W_Q"), "" when it has none
  std::string shape;
  bool is_leaf = false;
  std::shared_ptr<ag::TensorImpl> tensor;  // its value, when still alive (for the page)
  int layer = 0, order = 0;                // set by the passes below
  double x = 0, y = 0, width = 0, height = kBoxHeight;  // box centre and size
};
struct GraphEdge {
  int from = 0, to = 0;  // the forward direction: `from` is an input of `to`
};
struct Graph {
  std::vector<GraphNode> nodes;
  std::vector<GraphEdge> edges;
  double width = 0, height = 0;  // of the whole drawing
};

// The graph behind `root`, as to_dot walks it: one node per backward Node and
// per leaf that requires grad, plus the root tensor itself. Not laid out yet.
Graph autograd_graph(const ag::Tensor& root);

// The three passes; layout_graph runs them all.
void assign_layers(Graph& g);                 // ag::Error if the graph has a cycle
void order_layers(Graph& g, int sweeps = 4);  // barycentre sweeps
void place_boxes(Graph& g);                   // x, y, width, height; g.width, g.height
Graph& layout_graph(Graph& g);

// Pairs of edges between adjacent layers that cross, by the nodes' `order`.
int count_crossings(const Graph& g);

// The label drawn in a node's box: "name = Op" or the op alone.
std::string node_label(const GraphNode& n);

}  // namespace page
