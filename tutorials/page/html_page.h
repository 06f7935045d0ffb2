// tutorials/page/html_page.h: the attention page's views written as one
// self-contained HTML file: CSS and JavaScript inlined, the numbers in plain
// tables (readable without JavaScript), no request of any kind.
//
// The DOM contract with the browser tests (tests/tutorials/ and the README):
//   <section class="ag-view" id="v-<view>">    one per view, in ← → order
//   <figure class="ag-matrix" id="m-<view>-<name>" data-rows="R" data-cols="C">
//     <figcaption> the name, the shape, the formula and the generated caption
//     <table> words on the row and column headers, <td data-value="%.9g">
//   <svg id="ag-graph"> with <g class="ag-node" data-tensor="<matrix id>">
#pragma once

#include <string>
#include <vector>

#include "tutorials/page/graph_layout.h"
#include "tutorials/page/page_data.h"

namespace page {

struct PageContent {
  std::vector<View> views;  // in page order
  Graph graph;              // the laid-out autograd graph, drawn in the view "graph"
  EditableInput input;      // window.agPage.defaultInput()
  std::string provenance;   // one line: where the trained weights came from
};

// One matrix as its <figure>: caption, colour legend, table of coloured cells.
std::string figure_html(const Matrix& m);
// The autograd graph as inline SVG.
std::string graph_svg(const Graph& g, const std::vector<Matrix>& node_matrices);
// The whole file. css and js are the texts of page.css and attention.js.
std::string render_page(const PageContent& content, const std::string& css, const std::string& js);

}  // namespace page
