// tests/tutorials/test_page_graph.cpp: the page's own layout of the autograd
// graph (tutorials/page/graph_layout.h): layers respect the edges, boxes
// never overlap, the barycentre pass removes crossings it can, a cycle is an
// error that says so.
#include <doctest/doctest.h>

#include <string>

#include "core/ag.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/page/graph_layout.h"

namespace {

page::Graph hand_graph(int nodes, std::vector<page::GraphEdge> edges) {
  page::Graph g;
  for (int k = 0; k < nodes; ++k) {
    page::GraphNode node;
    node.op = "Op";
    node.name = "n" + std::to_string(k);
    node.shape = "[2]";
    g.nodes.push_back(node);
  }
  g.edges = std::move(edges);
  return g;
}

void check_no_overlap(const page::Graph& g) {
  for (size_t a = 0; a < g.nodes.size(); ++a)
    for (size_t b = a + 1; b < g.nodes.size(); ++b) {
      const page::GraphNode &p = g.nodes[a], &q = g.nodes[b];
      const bool apart_x = std::abs(p.x - q.x) >= (p.width + q.width) / 2;
      const bool apart_y = std::abs(p.y - q.y) >= (p.height + q.height) / 2;
      INFO(p.name << " and " << q.name);
      CHECK((apart_x || apart_y));
    }
  for (const page::GraphNode& n : g.nodes) {  // inside the drawing
    CHECK(n.x - n.width / 2 >= 0);
    CHECK(n.x + n.width / 2 <= g.width);
    CHECK(n.y + n.height / 2 <= g.height);
  }
}

}  // namespace

TEST_SUITE("tutorials.page") {

TEST_CASE("graph layout of 02's backward graph: layers follow the edges, no box overlaps") {
  const tut::EncoderLesson forward = tut::lesson02_encoder();
  const tut::BackwardLesson B = tut::lesson02_backward(forward);
  page::Graph g = page::autograd_graph(B.graph_root);
  page::layout_graph(g);
  // The drawing has the nodes ag::to_dot draws: every "nK [" line is one node.
  const std::string dot = ag::to_dot(B.graph_root);
  size_t dot_nodes = 0;
  for (size_t at = dot.find(" [shape="); at != std::string::npos; at = dot.find(" [shape=", at + 1))
    ++dot_nodes;
  // to_dot draws the output twice (its op's box and the "out" ellipse); we draw it once.
  CHECK(g.nodes.size() + 1 == dot_nodes);
  int leaves = 0;
  for (const page::GraphNode& n : g.nodes) leaves += n.is_leaf;
  CHECK(leaves == 3);  // W_Q, W_K, W_V
  for (const page::GraphEdge& e : g.edges) {
    INFO(g.nodes[e.from].name << " -> " << g.nodes[e.to].name);
    CHECK(g.nodes[e.from].layer < g.nodes[e.to].layer);
    CHECK(g.nodes[e.from].y < g.nodes[e.to].y);
  }
  // Longest path: a node sits right below its deepest input.
  for (size_t v = 0; v < g.nodes.size(); ++v) {
    int deepest = -1;
    for (const page::GraphEdge& e : g.edges)
      if (e.to == static_cast<int>(v)) deepest = std::max(deepest, g.nodes[e.from].layer);
    CHECK(g.nodes[v].layer == deepest + 1);
  }
  check_no_overlap(g);
  CHECK(g.nodes[0].op == "MatmulBackward");  // the root: out = weights · value
  CHECK(page::count_crossings(g) == 0);
}

TEST_CASE("graph layout: the barycentre pass untangles a crossing, boxes keep their gap") {
  // a -> d and b -> c, discovered in the order a, b, c, d: the edges cross once.
  page::Graph g = hand_graph(4, {{0, 3}, {1, 2}});
  page::assign_layers(g);
  g.nodes[0].order = 0, g.nodes[1].order = 1, g.nodes[2].order = 0, g.nodes[3].order = 1;
  CHECK(page::count_crossings(g) == 1);
  page::order_layers(g);
  CHECK(page::count_crossings(g) == 0);
  page::place_boxes(g);
  check_no_overlap(g);
  CHECK(g.nodes[3].x < g.nodes[2].x);  // d moved under a, to the left
  CHECK(std::abs(g.nodes[2].x - g.nodes[3].x) ==
        doctest::Approx((g.nodes[2].width + g.nodes[3].width) / 2 + page::kGap));
}

TEST_CASE("graph layout: a long edge skips layers, and a cycle is refused") {
  // 0 -> 1 -> 2 and 0 -> 2: longest path puts 2 on layer 2, not 1.
  page::Graph g = hand_graph(3, {{0, 1}, {1, 2}, {0, 2}});
  page::layout_graph(g);
  CHECK(g.nodes[0].layer == 0);
  CHECK(g.nodes[1].layer == 1);
  CHECK(g.nodes[2].layer == 2);
  check_no_overlap(g);
  page::Graph cycle = hand_graph(3, {{0, 1}, {1, 2}, {2, 1}});
  CHECK_THROWS_WITH_AS(page::assign_layers(cycle),
                       "assign_layers: the graph has a cycle (2 nodes on it)", ag::Error);
}

}  // TEST_SUITE("tutorials.page")
