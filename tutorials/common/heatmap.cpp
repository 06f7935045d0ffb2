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

// Labels like "<s>" must be escaped inside XML text.
std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
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

std::string heatmap_svg(const ag::Tensor& weights, const std::vector<std::string>& rows,
                        const std::vector<std::string>& cols, const std::string& title,
                        int64_t mark_row, int64_t mark_col) {
  check_labels("heatmap_svg", weights, rows, cols);
  const int cell_w = 80, cell_h = 40, left = 100, top = 70;
  const int64_t n_rows = weights.size(0), n_cols = weights.size(1);
  const float scale = shade_scale(weights);
  const int64_t width = left + n_cols * cell_w + 20, height = top + n_rows * cell_h + 20;
  char buf[512];
  std::string svg;
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%lld\" height=\"%lld\" "
                "font-family=\"sans-serif\" font-size=\"14\">\n",
                static_cast<long long>(width), static_cast<long long>(height));
  svg += buf;
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"10\" y=\"24\" font-size=\"16\">" + xml_escape(title) + "</text>\n";
  for (int64_t j = 0; j < n_cols; ++j) {
    std::snprintf(buf, sizeof buf, "<text x=\"%lld\" y=\"%d\" text-anchor=\"middle\">",
                  static_cast<long long>(left + j * cell_w + cell_w / 2), top - 10);
    svg += buf + xml_escape(cols[j]) + "</text>\n";
  }
  for (int64_t i = 0; i < n_rows; ++i) {
    std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"%lld\" text-anchor=\"end\">", left - 10,
                  static_cast<long long>(top + i * cell_h + cell_h / 2 + 5));
    svg += buf + xml_escape(rows[i]) + "</text>\n";
    for (int64_t j = 0; j < n_cols; ++j) {
      const float v = weights.data()[i * n_cols + j];
      // White (0) to dark blue (the largest weight); the number turns white on dark cells.
      const float t = std::isfinite(v) ? std::clamp(v / scale, 0.0f, 1.0f) : 0.0f;
      const int red = static_cast<int>(255 - 225 * t), green = static_cast<int>(255 - 175 * t);
      const long long x = left + j * cell_w, y = top + i * cell_h;
      std::snprintf(
          buf, sizeof buf,
          "<rect x=\"%lld\" y=\"%lld\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,255)\" "
          "stroke=\"#999\"/>\n<text x=\"%lld\" y=\"%lld\" text-anchor=\"middle\" "
          "fill=\"%s\">%s</text>\n",
          x, y, cell_w, cell_h, red, green, x + cell_w / 2, y + cell_h / 2 + 5,
          t > 0.55f ? "white" : "black", fmt(v).c_str());
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
  return svg + "</svg>\n";
}

std::string output_dir() {
  const char* env = std::getenv("AG_TUTORIAL_OUT");
  return env && *env ? env : "build/tutorial_out";
}

std::string write_heatmap_svg(const ag::Tensor& weights, const std::vector<std::string>& rows,
                              const std::vector<std::string>& cols, const std::string& title,
                              const std::string& file_stem, int64_t mark_row, int64_t mark_col) {
  const std::string svg =
      heatmap_svg(weights, rows, cols, title, mark_row, mark_col);  // checks shapes first
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
