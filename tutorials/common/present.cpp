// tutorials/common/present.cpp: headings, paragraphs, labelled matrices.
#include "tutorials/common/present.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "core/print.h"
#include "tutorials/common/heatmap.h"

namespace tut {

size_t display_width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;  // count bytes that start a code point
  return w;
}

std::string fmt(float value, int decimals) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, static_cast<double>(value));
  return buf;
}

void heading(const std::string& title) {
  std::cout << "\n" << title << "\n" << std::string(display_width(title), '-') << "\n";
}

void say(const std::string& text) { say_hanging(text, 0); }

void say_hanging(const std::string& text, size_t hang) {
  // Greedy word wrap; a blank line in the text stays a paragraph break.
  const size_t width = 78;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string word, out;
    while (words >> word) {
      if (!out.empty() && display_width(out) + 1 + display_width(word) > width) {
        std::cout << out << "\n";
        out = std::string(hang, ' ');
      }
      out += (out.empty() || out.back() == ' ' ? "" : " ") + word;
    }
    std::cout << out << "\n";
  }
}

void show_matrix(const std::string& name, const ag::Tensor& m, const Labels& rows,
                 const Labels& cols) {
  // A value that rounds to zero prints as 0.0000, not -0.0000 (display only).
  std::vector<float> values = m.to_vector();
  for (float& v : values)
    if (std::fabs(v) < 5e-5f) v = 0.0f;
  std::cout << "\n" << name << "\n" << ag::format_matrix(ag::from_vector(values, m.shape()), rows, cols, 4);
}

void show_vector(const std::string& name, const ag::Tensor& v, const Labels& cols) {
  show_matrix(name, v.reshape({1, v.numel()}), {""}, cols);
}

void show_heatmap(const std::string& name, const ag::Tensor& weights, const Labels& rows,
                  const Labels& cols, const std::string& file_stem) {
  std::cout << "\n" << name << " (shaded)\n" << shade_heatmap(weights, rows, cols)
            << shade_legend(weights) << "\n";
  std::cout << "  picture with numbers: " << write_heatmap_svg(weights, rows, cols, name, file_stem)
            << "\n";
}

void what_to_try(const std::vector<std::string>& ideas) {
  heading("What to try next");
  for (const std::string& idea : ideas) say_hanging("* " + idea, 2);
}

}  // namespace tut
