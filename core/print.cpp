// core/print.cpp: PyTorch-style tensor printing and labelled matrices.
#include "core/print.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "core/autograd.h"

namespace ag {

namespace {

// Scientific notation only when fixed-point would lose the values (very large
// or very small magnitudes), as PyTorch decides per tensor.
bool needs_scientific(const float* p, int64_t n) {
  float max_abs = 0.0f, min_abs = INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    float a = std::fabs(p[i]);
    if (!std::isfinite(a)) continue;
    max_abs = std::max(max_abs, a);
    if (a > 0.0f) min_abs = std::min(min_abs, a);
  }
  return max_abs >= 1e8f || (max_abs > 0.0f && max_abs / min_abs > 1e8f) ||
         (max_abs > 0.0f && max_abs < 1e-4f);
}

std::string format_value(float v, int decimals, bool scientific) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Measured first: 3e38 in fixed point with many decimals is longer than any
  // fixed buffer, and a cut-off number would print as a different number.
  const char* format = scientific ? "%.*e" : "%.*f";
  const int length = std::snprintf(nullptr, 0, format, decimals, static_cast<double>(v));
  std::string text(static_cast<size_t>(length) + 1, '\0');
  std::snprintf(text.data(), text.size(), format, decimals, static_cast<double>(v));
  text.pop_back();  // the terminating NUL
  return text;
}

// Printing with a negative number of decimals or edge items has no meaning.
void check_print_options(const char* op, int decimals, int64_t edge_items) {
  if (decimals < 0) fail(op, ": decimals must be >= 0, got ", decimals);
  if (edge_items < 0) fail(op, ": edge_items must be >= 0, got ", edge_items);
}

struct Printer {
  const float* data;
  const Shape& shape;
  std::vector<int64_t> strides;
  const PrintOptions& opt;
  bool summarize, scientific;
  size_t width = 0;

  bool skipped(int64_t d, int64_t i) const {
    return summarize && shape[d] > 2 * opt.edge_items && i >= opt.edge_items &&
           i < shape[d] - opt.edge_items;
  }
  // Indices of dimension d that are shown (with -1 standing for "...").
  std::vector<int64_t> shown(int64_t d) const {
    std::vector<int64_t> out;
    for (int64_t i = 0; i < shape[d]; ++i) {
      if (skipped(d, i)) {
        if (out.empty() || out.back() != -1) out.push_back(-1);
        continue;
      }
      out.push_back(i);
    }
    return out;
  }
  void measure(int64_t d, int64_t offset) {
    if (d == static_cast<int64_t>(shape.size())) {
      width = std::max(width, format_value(data[offset], opt.decimals, scientific).size());
      return;
    }
    for (int64_t i : shown(d))
      if (i >= 0) measure(d + 1, offset + i * strides[d]);
  }
  void print(std::string& out, int64_t d, int64_t offset, size_t indent) {
    const int64_t rank = static_cast<int64_t>(shape.size());
    if (d == rank) {
      std::string v = format_value(data[offset], opt.decimals, scientific);
      out += std::string(width - v.size(), ' ') + v;
      return;
    }
    out += "[";
    std::vector<int64_t> idx = shown(d);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (k) {
        out += ",";
        if (d == rank - 1)
          out += " ";
        else
          out += std::string(rank - d - 1, '\n') + std::string(indent + 1, ' ');
      }
      if (idx[k] < 0)
        out += "...";
      else
        print(out, d + 1, offset + idx[k] * strides[d], indent + 1);
    }
    out += "]";
  }
};

}  // namespace

std::string to_string(const Tensor& t, const PrintOptions& opt) {
  check_print_options("to_string", opt.decimals, opt.edge_items);
  if (!t.defined()) return "tensor(undefined)";
  const Shape& shape = t.shape();
  std::string body;
  if (t.numel() == 0) {
    body = "[], size=" + shape_str(shape);
  } else {
    std::vector<int64_t> strides(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
    Printer p{t.data(),
              shape,
              strides,
              opt,
              t.numel() > opt.threshold,
              needs_scientific(t.data(), t.numel())};
    if (shape.empty()) {
      body = format_value(t.data()[0], opt.decimals, p.scientific);
    } else {
      p.measure(0, 0);
      p.print(body, 0, 0, 7);  // 7 = strlen("tensor(")
    }
  }
  std::string s = "tensor(" + body;
  if (!t.name().empty()) s += ", name='" + t.name() + "'";
  if (t.grad_fn())
    s += ", grad_fn=<" + t.grad_fn()->name() + ">";
  else if (t.requires_grad())
    s += ", requires_grad=true";
  return s + ")";
}

std::string Tensor::str() const { return to_string(*this); }

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

std::string format_matrix(const Tensor& t, const std::vector<std::string>& row_labels,
                          const std::vector<std::string>& col_labels, int decimals) {
  check_print_options("format_matrix", decimals, 0);
  if (t.dim() != 2) fail("format_matrix: expected a 2-D tensor, got shape ", t.shape());
  const int64_t rows = t.size(0), cols = t.size(1);
  if (!row_labels.empty() && static_cast<int64_t>(row_labels.size()) != rows)
    fail("format_matrix: ", row_labels.size(), " row labels for ", rows, " rows");
  if (!col_labels.empty() && static_cast<int64_t>(col_labels.size()) != cols)
    fail("format_matrix: ", col_labels.size(), " column labels for ", cols, " columns");
  auto row_name = [&](int64_t i) { return row_labels.empty() ? std::to_string(i) : row_labels[i]; };
  auto col_name = [&](int64_t j) { return col_labels.empty() ? std::to_string(j) : col_labels[j]; };
  // Labels may hold UTF-8 ("étudiant"): pad by code points, not bytes.
  auto display_width = [](const std::string& s) {
    size_t w = 0;
    for (unsigned char c : s) w += (c & 0xC0) != 0x80;
    return w;
  };
  size_t label_w = 0, cell_w = 0;
  for (int64_t i = 0; i < rows; ++i) label_w = std::max(label_w, display_width(row_name(i)));
  for (int64_t j = 0; j < cols; ++j) cell_w = std::max(cell_w, display_width(col_name(j)));
  for (int64_t k = 0; k < t.numel(); ++k)
    cell_w = std::max(cell_w, format_value(t.data()[k], decimals, false).size());
  auto pad = [&](const std::string& s, size_t w) {
    return std::string(w - display_width(s), ' ') + s;
  };

  std::string out = std::string(label_w, ' ');
  for (int64_t j = 0; j < cols; ++j) out += "  " + pad(col_name(j), cell_w);
  out += "\n";
  for (int64_t i = 0; i < rows; ++i) {
    std::string label = row_name(i);
    out += label + std::string(label_w - display_width(label), ' ');
    for (int64_t j = 0; j < cols; ++j)
      out += "  " + pad(format_value(t.data()[i * cols + j], decimals, false), cell_w);
    out += "\n";
  }
  return out;
}

}  // namespace ag
