// tutorials/page/html_page.cpp: the page's HTML, written by hand (html_page.h).
#include "tutorials/page/html_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "tutorials/common/html_text.h"
#include "tutorials/common/palette.h"
#include "tutorials/page/captions.h"

namespace page {
namespace {

// A float as the tests read it back: 9 significant digits round-trip a float.
std::string exact(float v) {
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (std::isnan(v)) return "nan";
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", static_cast<double>(v));
  return text;
}

// The colour scale of a matrix: its smallest and largest finite values.
struct Range {
  float low = 0, high = 0;
};
Range finite_range(const Matrix& m) {
  Range r{INFINITY, -INFINITY};
  for (float v : m.values)
    if (std::isfinite(v)) r = {std::min(r.low, v), std::max(r.high, v)};
  if (r.low > r.high) r = {0, 0};
  return r;
}

// One cell: its exact float for the tests and the page's script, the rounded
// number for the reader, its colour, and class "w" (white text, page.css) where
// white reads better than black on that colour.
std::string cell(float v, Range range) {
  std::string style = "background:#bbbbbb", text_class;  // −∞ and NaN: neutral grey, black text
  if (std::isfinite(v)) {
    const double t = range.high > range.low ? (v - range.low) / (range.high - range.low) : 0.5;
    const palette::Rgb background = palette::viridis(t);
    style = "background:" + palette::hex(background);
    if (palette::text_colour_on(background).r == 255) text_class = " class=\"w\"";
  }
  return "<td data-value=\"" + exact(v) + "\" style=\"" + style + "\"" + text_class + ">" +
         number(v) + "</td>";
}

std::string views_json_list(const std::vector<View>& views) {
  std::string list = "[";
  for (size_t k = 0; k < views.size(); ++k) list += (k ? ",\"" : "\"") + views[k].id + "\"";
  return list + "]";
}

std::string input_json(const EditableInput& in) {
  std::string json = "{\"embeddings\":{";
  for (size_t w = 0; w < in.words.size(); ++w) {
    if (w) json += ",";
    json += html_text::json_string(in.words[w]);
    json += ":[";
    for (size_t k = 0; k < in.embeddings[w].size(); ++k)
      json += std::string(k ? "," : "") + exact(in.embeddings[w][k]);
    json += "]";
  }
  return json + "},\"mask\":" + html_text::json_string(in.mask) +
         ",\"heads\":" + std::to_string(in.heads) + "}";
}

// "enc-self-L0" -> "encoder self-attention, layer 0".
std::string head_row_title(const std::string& kind) {
  const std::string layer = kind.substr(kind.rfind("-L") + 2);
  const std::string what = kind.rfind("enc-self", 0) == 0   ? "encoder self-attention"
                           : kind.rfind("dec-self", 0) == 0 ? "decoder masked self-attention"
                                                            : "cross-attention";
  return what + ", layer " + layer;
}

// The heads view's layer × head grid: a row per (attention, layer), a link per
// head opening #heads/<head>. Matrices are named <kind>-L<layer>-H<head>, in order.
std::string heads_grid(const View& view) {
  int64_t heads = 0;
  for (const Matrix& m : view.matrices)
    heads = std::max<int64_t>(heads, std::stoll(m.name.substr(m.name.rfind("-H") + 2)) + 1);
  std::string html = "<table class=\"ag-grid\"><thead><tr><th></th>";
  for (int64_t h = 0; h < heads; ++h)
    html += "<th scope=\"col\">head " + std::to_string(h) + "</th>";
  html += "</tr></thead><tbody>";
  std::string row_kind;
  for (const Matrix& m : view.matrices) {
    const std::string kind = m.name.substr(0, m.name.rfind("-H"));  // enc-self-L0
    if (kind != row_kind) {
      html += (row_kind.empty() ? "" : "</tr>") + std::string("<tr><th scope=\"row\">") +
              head_row_title(kind) + "</th>";
      row_kind = kind;
    }
    html += "<td><a href=\"#heads/" + m.name + "\">" + m.name.substr(m.name.rfind("-H") + 1) +
            "</a></td>";
  }
  return html + "</tr></tbody></table>";
}

}  // namespace

std::string figure_html(const Matrix& m) {
  const Range range = finite_range(m);
  std::string html = "<figure class=\"ag-matrix" + std::string(m.is_gradient ? " ag-grad" : "") +
                     "\" id=\"" + m.id + "\" data-rows=\"" + std::to_string(m.num_rows()) +
                     "\" data-cols=\"" + std::to_string(m.num_cols()) + "\" data-name=\"" +
                     html_text::escape(m.name) + "\">\n<figcaption><b>" +
                     html_text::escape(m.name) + "</b> <span class=\"shape\">" + m.shape() +
                     "</span> <code>" + html_text::escape(m.formula) +
                     "</code><br><span class=\"caption\">" + html_text::escape(m.caption) +
                     "</span></figcaption>\n";
  html += "<div class=\"ag-legend\">" + number(range.low) + " <span class=\"bar\"></span> " +
          number(range.high) + "</div>\n<div class=\"scroll\"><table><thead><tr><th></th>";
  for (const std::string& c : m.cols) html += "<th scope=\"col\">" + html_text::escape(c) + "</th>";
  html += "</tr></thead><tbody>\n";
  for (int64_t r = 0; r < m.num_rows(); ++r) {
    html += "<tr><th scope=\"row\">" + html_text::escape(m.rows[static_cast<size_t>(r)]) + "</th>";
    for (int64_t c = 0; c < m.num_cols(); ++c) html += cell(m.at(r, c), range);
    html += "</tr>\n";
  }
  return html + "</tbody></table></div></figure>\n";
}

std::string graph_svg(const Graph& g, const std::vector<Matrix>& node_matrices) {
  std::set<std::string> ids;
  for (const Matrix& m : node_matrices) ids.insert(m.id);
  char buffer[256];
  std::snprintf(buffer, sizeof buffer,
                "<svg id=\"ag-graph\" viewBox=\"0 0 %.0f "
                "%.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
                "aria-label=\"autograd graph\">\n",
                g.width, g.height, g.width, g.height);
  std::string svg = buffer;
  svg +=
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
      "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\"/>"
      "</marker></defs>\n";
  for (const GraphEdge& e : g.edges) {
    const GraphNode &a = g.nodes[e.from], &b = g.nodes[e.to];
    std::snprintf(buffer, sizeof buffer,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                  "marker-end=\"url(#arrow)\"/>\n",
                  a.x, a.y + a.height / 2, b.x, b.y - b.height / 2);
    svg += buffer;
  }
  for (const GraphNode& n : g.nodes) {
    const std::string value = ids.count("m-graph-" + n.name) ? "m-graph-" + n.name : "";
    const std::string grad = ids.count("m-graph-d" + n.name) ? "m-graph-d" + n.name : "";
    svg += "<g class=\"ag-node" + std::string(n.is_leaf ? " leaf" : "") +
           std::string(grad.empty() ? "" : " has-grad") + "\" data-tensor=\"" + value +
           "\" data-grad=\"" + grad + "\" tabindex=\"0\">";
    std::snprintf(buffer, sizeof buffer,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"6\"/>",
                  n.x - n.width / 2, n.y - n.height / 2, n.width, n.height);
    svg += buffer;
    std::snprintf(buffer, sizeof buffer, "<text x=\"%.1f\" y=\"%.1f\">", n.x, n.y - 3);
    svg += buffer + html_text::escape(node_label(n)) + "</text>";
    std::snprintf(buffer, sizeof buffer, "<text x=\"%.1f\" y=\"%.1f\" class=\"small\">", n.x,
                  n.y + 13);
    svg += buffer + n.shape + "</text></g>\n";
  }
  return svg + "</svg>\n";
}

std::string render_page(const PageContent& content, const std::string& css, const std::string& js) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>attograd: attention, step by step</title>\n<style>\n" +
      css + ".ag-legend .bar{background:" + palette::css_gradient() + "}\n" +
      "</style></head>\n<body>\n<header><h1>Attention, step by step</h1>\n" +
      "<p>\"I am a student\" → \"Je suis étudiant\", computed by attograd's tutorials 01-08 "
      "(<code>make page</code>). " +
      html_text::escape(content.provenance) + "</p>\n<nav id=\"ag-nav\"><ol>";
  for (const View& v : content.views)
    html += "<li><a href=\"#" + v.id + "\">" + html_text::escape(v.title) + "</a></li>";
  html += "</ol></nav>\n<div id=\"ag-toolbar\"></div>\n</header>\n<main>\n";
  for (const View& v : content.views) {
    html += "<section class=\"ag-view\" id=\"v-" + v.id + "\" data-kind=\"" + v.kind + "\">\n<h2>" +
            html_text::escape(v.title) + "</h2>\n<p>" + html_text::escape(v.text) + "</p>\n";
    if (v.kind == "heads") html += heads_grid(v);
    if (v.kind == "graph")
      html += "<div class=\"scroll\">" + graph_svg(content.graph, v.matrices) + "</div>";
    html += "<div class=\"ag-figures\">\n";
    for (const Matrix& m : v.matrices) html += figure_html(m);
    html += "</div></section>\n";
  }
  html += "</main>\n<script>\nwindow.AG_VIEWS = " + views_json_list(content.views) +
          ";\nwindow.AG_INPUT = " + input_json(content.input) +
          ";\nwindow.AG_PALETTE = " + palette::stops_json() + ";\n</script>\n<script>\n" + js +
          "</script>\n</body></html>\n";
  return html;
}

}  // namespace page
