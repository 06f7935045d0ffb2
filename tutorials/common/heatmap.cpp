// tutorials/common/heatmap.cpp: shaded text heatmaps and SVG heatmaps.
#include "tutorials/common/heatmap.h"

#include "core/io/atomic_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "tutorials/common/html_text.h"
#include "tutorials/common/palette.h"
#include "tutorials/common/present.h"

namespace tut {
namespace {

void check_labels(const char* what, const ag::Tensor& w, const std::vector<std::string>& rows,
                  const std::vector<std::string>& cols) {
  if (w.dim() != 2) ag::fail(what, ": expected a 2-D matrix of weights, got shape ", w.shape());
  if (static_cast<int64_t>(rows.size()) != w.size(0) ||
      static_cast<int64_t>(cols.size()) != w.size(1))
    ag::fail(what, ": ", rows.size(), " row labels and ", cols.size(),
             " column labels for a matrix of shape ", w.shape());
}

// Five levels of v / scale: [0, 0.2) is a dot, then ░ ▒ ▓ █ for each further fifth.
const char* shade(float v, float scale) {
  static const char* levels[] = {"·", "░", "▒", "▓", "█"};
  if (!std::isfinite(v)) return " ";
  int level = static_cast<int>(std::floor(std::clamp(v / scale, 0.0f, 1.0f) * 5.0f));
  return levels[std::min(level, 4)];
}

std::string pad_left(const std::string& s, size_t w) {
  size_t dw = display_width(s);
  return std::string(w > dw ? w - dw : 0, ' ') + s;
}

}  // namespace

std::string shade_heatmap(const ag::Tensor& weights, const std::vector<std::string>& rows,
                          const std::vector<std::string>& cols) {
  check_labels("shade_heatmap", weights, rows, cols);
  size_t label_w = 0, cell_w = 4;
  for (const auto& r : rows) label_w = std::max(label_w, display_width(r));
  for (const auto& c : cols) cell_w = std::max(cell_w, display_width(c));
  std::string out = std::string(label_w, ' ');
  for (const auto& c : cols) out += "  " + pad_left(c, cell_w);
  out += "\n";
  const int64_t n = weights.size(1);
  const float scale = shade_scale(weights);
  for (size_t i = 0; i < rows.size(); ++i) {
    out += rows[i] + std::string(label_w - display_width(rows[i]), ' ');
    for (int64_t j = 0; j < n; ++j) {
      std::string block;
      for (int k = 0; k < 4; ++k) block += shade(weights.data()[i * n + j], scale);
      out += "  " + pad_left(block, cell_w);
    }
    out += "\n";
  }
  return out;
}

float shade_scale(const ag::Tensor& t) {
  float m = 0.0f;
  for (int64_t k = 0; k < t.numel(); ++k)
    if (std::isfinite(t.data()[k])) m = std::max(m, t.data()[k]);
  return m > 0.0f ? m : 1.0f;
}

std::string shade_legend(const ag::Tensor& weights) {
  return "  shade = share of the largest weight (" + fmt(shade_scale(weights)) +
         "):  · <20%  ░ <40%  ▒ <60%  ▓ <80%  █ ≥80%";
}

std::string shade_grid(const ag::Tensor& weights, int64_t mark_row, int64_t mark_col) {
  if (weights.dim() != 2)
    ag::fail("shade_grid: expected a 2-D grid of weights, got shape ", weights.shape());
  const int64_t H = weights.size(0), W = weights.size(1);
  const float scale = shade_scale(weights);
  std::string out = "    ";
  for (int64_t x = 0; x < W; ++x) {
    out += ' ';
    out += static_cast<char>('0' + x % 10);
  }
  out += "\n";
  for (int64_t y = 0; y < H; ++y) {
    out += pad_left(std::to_string(y), 3) + " ";
    for (int64_t x = 0; x < W; ++x) {
      if (y == mark_row && x == mark_col) {
        out += "[]";
        continue;
      }
      const char* s = shade(weights.data()[y * W + x], scale);
      out += std::string(s) + s;
    }
    out += "\n";
  }
  return out;
}

namespace {

// The attention page's viridis (palette.h), reversed: share 0 is the palest
// colour, share 1 the darkest (more weight, darker, as in the terminal).
palette::Rgb colour_at(float share) {
  return palette::viridis(1.0 - std::clamp(std::isfinite(share) ? share : 0.0f, 0.0f, 1.0f));
}

}  // namespace

std::string heat_colour(float share) {
  const palette::Rgb c = colour_at(share);
  return "rgb(" + std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b) + ")";
}

const char* text_colour_on(float share) {
  return palette::text_colour_on(colour_at(share)).r == 255 ? "white" : "black";
}

std::string heatmap_svg(const ag::Tensor& weights, const std::vector<std::string>& rows,
                        const std::vector<std::string>& cols, const std::string& title,
                        int64_t mark_row, int64_t mark_col, const std::string& row_title,
                        const std::string& col_title) {
  check_labels("heatmap_svg", weights, rows, cols);
  const int cell_w = 80, cell_h = 40, left = 130, top = 90, legend_w = 110;
  const int64_t n_rows = weights.size(0), n_cols = weights.size(1);
  const float scale = shade_scale(weights);
  const int64_t grid_w = n_cols * cell_w, grid_h = n_rows * cell_h;
  const int64_t bar_h = std::max<int64_t>(grid_h, 120);
  const int64_t width = left + grid_w + legend_w, height = top + bar_h + 30;
  char buf[512];
  std::string svg;
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%lld\" height=\"%lld\" "
                "font-family=\"sans-serif\" font-size=\"14\">\n",
                static_cast<long long>(width), static_cast<long long>(height));
  svg += buf;
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"10\" y=\"24\" font-size=\"16\">" + html_text::escape(title) + "</text>\n";
  // Axis titles: the columns' above their labels, the rows' turned upright on the left.
  std::snprintf(buf, sizeof buf,
                "<text class=\"axis-title\" x=\"%lld\" y=\"%d\" text-anchor=\"middle\" "
                "font-weight=\"bold\">",
                static_cast<long long>(left + grid_w / 2), top - 40);
  svg += buf + html_text::escape(col_title) + "</text>\n";
  std::snprintf(buf, sizeof buf,
                "<text class=\"axis-title\" x=\"22\" y=\"%lld\" text-anchor=\"middle\" "
                "font-weight=\"bold\" transform=\"rotate(-90 22 %lld)\">",
                static_cast<long long>(top + grid_h / 2), static_cast<long long>(top + grid_h / 2));
  svg += buf + html_text::escape(row_title) + "</text>\n";
  for (int64_t j = 0; j < n_cols; ++j) {
    std::snprintf(buf, sizeof buf, "<text x=\"%lld\" y=\"%d\" text-anchor=\"middle\">",
                  static_cast<long long>(left + j * cell_w + cell_w / 2), top - 10);
    svg += buf + html_text::escape(cols[j]) + "</text>\n";
  }
  for (int64_t i = 0; i < n_rows; ++i) {
    std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"%lld\" text-anchor=\"end\">", left - 10,
                  static_cast<long long>(top + i * cell_h + cell_h / 2 + 5));
    svg += buf + html_text::escape(rows[i]) + "</text>\n";
    for (int64_t j = 0; j < n_cols; ++j) {
      const float v = weights.data()[i * n_cols + j];
      const float share = std::isfinite(v) ? std::clamp(v / scale, 0.0f, 1.0f) : 0.0f;
      const long long x = left + j * cell_w, y = top + i * cell_h;
      std::snprintf(buf, sizeof buf,
                    "<rect x=\"%lld\" y=\"%lld\" width=\"%d\" height=\"%d\" fill=\"%s\" "
                    "stroke=\"#999\"/>\n<text x=\"%lld\" y=\"%lld\" text-anchor=\"middle\" "
                    "fill=\"%s\">%s</text>\n",
                    x, y, cell_w, cell_h, heat_colour(share).c_str(), x + cell_w / 2,
                    y + cell_h / 2 + 5, text_colour_on(share), fmt(v).c_str());
      svg += buf;
    }
  }
  if (mark_row >= 0 && mark_row < n_rows && mark_col >= 0 && mark_col < n_cols) {
    // Drawn last, so no neighbouring cell's border covers it.
    std::snprintf(buf, sizeof buf,
                  "<rect class=\"mark\" x=\"%lld\" y=\"%lld\" width=\"%d\" height=\"%d\" "
                  "fill=\"none\" stroke=\"red\" stroke-width=\"4\"/>\n",
                  static_cast<long long>(left + mark_col * cell_w),
                  static_cast<long long>(top + mark_row * cell_h), cell_w, cell_h);
    svg += buf;
  }
  // The legend: a bar from the largest weight (top) down to 0, with both ends labelled.
  const long long bar_x = left + grid_w + 20;
  svg += "<defs><linearGradient id=\"legend\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
  for (int k = 0; k <= 8; ++k) {
    std::snprintf(buf, sizeof buf, "<stop offset=\"%g\" stop-color=\"%s\"/>", k / 8.0,
                  heat_colour(k / 8.0f).c_str());
    svg += buf;
  }
  svg += "</linearGradient></defs>\n";
  std::snprintf(buf, sizeof buf,
                "<g class=\"legend\"><text x=\"%lld\" y=\"%d\">weight</text>\n"
                "<rect x=\"%lld\" y=\"%d\" width=\"20\" height=\"%lld\" fill=\"url(#legend)\" "
                "stroke=\"#999\"/>\n",
                bar_x, top - 10, bar_x, top, static_cast<long long>(bar_h));
  svg += buf;
  std::snprintf(buf, sizeof buf,
                "<text x=\"%lld\" y=\"%d\">%s</text>\n<text x=\"%lld\" y=\"%lld\">%s</text></g>\n",
                bar_x + 26, top + 12, fmt(scale).c_str(), bar_x + 26,
                static_cast<long long>(top + bar_h), fmt(0.0f).c_str());
  svg += buf;
  return svg + "</svg>\n";
}

std::string output_dir() {
  const char* env = std::getenv("AG_TUTORIAL_OUT");
  return env && *env ? env : "build/tutorial_out";
}

std::string write_heatmap_svg(const ag::Tensor& weights, const std::vector<std::string>& rows,
                              const std::vector<std::string>& cols, const std::string& title,
                              const std::string& file_stem, int64_t mark_row, int64_t mark_col,
                              const std::string& row_title, const std::string& col_title) {
  const std::string svg = heatmap_svg(weights, rows, cols, title, mark_row, mark_col, row_title,
                                      col_title);  // checks shapes first
  const std::filesystem::path dir = output_dir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    ag::fail("write_heatmap_svg: cannot create directory '", dir.string(), "': ", ec.message());
  const std::filesystem::path path = dir / (file_stem + ".svg");
  ag::io::write_file_atomic(path.string(), svg);  // never half a picture
  return path.string();
}

}  // namespace tut
