// tutorials/page/page_model.h: what the attention page shows, before any HTML.
//
// The page (build/page/attention.html, `make page`) is a list of views, shown
// one after another and stepped through with ← →; a view holds matrices. Each
// Matrix is a copy of one tensor a lesson function computed (tutorials/common/
// lessonNN), with the words on its rows and columns, the formula that made it
// and a caption computed from its numbers (captions.h). html_page.cpp turns
// this model into HTML; the tests read the model directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace page {

using Labels = std::vector<std::string>;

struct Matrix {
  std::string id;             // "m-<view>-<name>", the DOM id of its <figure>
  std::string name;           // "weights", "dW_Q": the tensor's name in the lesson
  std::string formula;        // "softmax(scaled) over each row"
  std::string caption;        // generated from the values (captions.h)
  Labels rows, cols;          // one label per row and per column: the words
  std::vector<float> values;  // rows × cols, row-major: the floats the lesson computed
  bool is_gradient = false;   // dL/dX: drawn with a diverging scale around 0
  int64_t num_rows() const { return static_cast<int64_t>(rows.size()); }
  int64_t num_cols() const { return static_cast<int64_t>(cols.size()); }
  float at(int64_t r, int64_t c) const { return values[static_cast<size_t>(r * num_cols() + c)]; }
  std::string shape() const;  // "(4, 4)"
};

struct View {
  std::string id;     // "02-weights": section id "v-02-weights", the URL hash "#02-weights"
  std::string title;  // "Step 4: softmax"
  std::string text;   // one paragraph, generated from the numbers where it states a number
  std::vector<Matrix> matrices;
  // Views with more than one panel (the heads grid, the image) say which in `kind`.
  std::string kind = "steps";  // "steps", "heads", "graph", "image", "decode"
};

// A View with its id, title and paragraph.
View make_view(const std::string& id, const std::string& title, const std::string& text,
               const std::string& kind = "steps");
// A (R, C) tensor (or a 1-D one, as one row) copied into a Matrix.
// Throws ag::Error when the labels do not match its shape.
Matrix make_matrix(const std::string& view, const std::string& name, const ag::Tensor& t,
                   const Labels& rows, const Labels& cols, const std::string& formula);
// "d0", "d1", ...: the columns of a vector of width n.
Labels dims(int64_t n, const std::string& prefix = "d");

}  // namespace page
