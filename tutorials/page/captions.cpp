// tutorials/page/captions.cpp: sentences from numbers (captions.h).
#include "tutorials/page/captions.h"

#include <cmath>
#include <cstdio>

namespace page {
namespace {

struct Entry {
  float value = 0;
  int64_t row = 0, col = 0;
};

// "(row I, column student)"
std::string where(const Matrix& m, const Entry& e) {
  return "(row " + m.rows[static_cast<size_t>(e.row)] + ", column " +
         m.cols[static_cast<size_t>(e.col)] + ")";
}

// A list "a, b and c" of at most `shown` items, then "and N more".
std::string listing(const std::vector<std::string>& items, size_t shown = 6) {
  std::string text;
  for (size_t k = 0; k < items.size() && k < shown; ++k) {
    if (k > 0) text += k + 1 == items.size() ? " and " : ", ";
    text += items[k];
  }
  if (items.size() > shown) text += " and " + std::to_string(items.size() - shown) + " more";
  return text;
}

}  // namespace

std::string number(float value) {
  if (std::isinf(value)) return value < 0 ? "−∞" : "∞";
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", static_cast<double>(value));
  return std::string(text) == "-0.0000" ? "0.0000" : text;
}

std::string weights_caption(const Matrix& w) {
  std::vector<std::string> most, zeros;
  for (int64_t r = 0; r < w.num_rows(); ++r) {
    int64_t best = 0;
    for (int64_t c = 1; c < w.num_cols(); ++c)
      if (w.at(r, c) > w.at(r, best)) best = c;
    most.push_back(w.rows[static_cast<size_t>(r)] + " to " + w.cols[static_cast<size_t>(best)] +
                   " (" + number(w.at(r, best)) + ")");
    for (int64_t c = 0; c < w.num_cols(); ++c)
      if (w.at(r, c) == 0.0f)
        zeros.push_back(w.rows[static_cast<size_t>(r)] + "→" + w.cols[static_cast<size_t>(c)]);
  }
  std::string text = "Each row attends most: " + listing(most, most.size()) + ". ";
  if (zeros.empty()) return text + "No weight is exactly 0.";
  return text + "Exactly 0 (" + std::to_string(zeros.size()) + "): " + listing(zeros) + ".";
}

std::string values_caption(const Matrix& m) {
  Entry largest{-INFINITY}, smallest{INFINITY};
  int64_t minus_infinity = 0;
  for (int64_t r = 0; r < m.num_rows(); ++r)
    for (int64_t c = 0; c < m.num_cols(); ++c) {
      const float v = m.at(r, c);
      if (std::isinf(v) && v < 0) {
        ++minus_infinity;
        continue;
      }
      if (v > largest.value) largest = {v, r, c};
      if (v < smallest.value) smallest = {v, r, c};
    }
  std::string text;
  if (std::isfinite(largest.value))
    text = "Largest " + number(largest.value) + " " + where(m, largest) + ", smallest " +
           number(smallest.value) + " " + where(m, smallest) + ".";
  if (minus_infinity > 0)
    text += std::string(" ") + std::to_string(minus_infinity) +
            " entries are −∞: after the softmax they are 0.";
  return text;
}

std::string gradient_caption(const Matrix& g) {
  Entry largest{0};
  int64_t zeros = 0;
  for (int64_t r = 0; r < g.num_rows(); ++r)
    for (int64_t c = 0; c < g.num_cols(); ++c) {
      const float v = g.at(r, c);
      zeros += v == 0.0f;
      if (std::fabs(v) > std::fabs(largest.value)) largest = {v, r, c};
    }
  std::string text = "Largest in size: " + number(largest.value) + " " + where(g, largest) + ". ";
  if (zeros == 0) return text + "No entry is exactly 0.";
  return text + std::to_string(zeros) + " of " + std::to_string(g.values.size()) +
         " entries are exactly 0.";
}

std::string top5_caption(const Matrix& top5) {
  if (top5.values.empty()) return "";
  float rest = 1.0f;
  for (float p : top5.values) rest -= p;
  return "Greedy picks " + top5.cols[0] + " (" + number(top5.values[0]) + "); the next is " +
         (top5.cols.size() > 1 ? top5.cols[1] + " (" + number(top5.values[1]) + ")" : "none") +
         ". The other tokens share " + number(rest < 0 ? 0.0f : rest) + ".";
}

}  // namespace page
