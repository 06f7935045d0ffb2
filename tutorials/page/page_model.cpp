// tutorials/page/page_model.cpp: tensors copied into the page's matrices.
#include "tutorials/page/page_model.h"

#include "core/error.h"

namespace page {

std::string Matrix::shape() const {
  // Appended piece by piece: g++ 12 -O3 warns falsely on "(" + std::to_string(...) (GCC bug
  // 105329).
  std::string text = "(";
  text += std::to_string(rows.size());
  text += ", ";
  text += std::to_string(cols.size());
  return text + ")";
}

Matrix make_matrix(const std::string& view, const std::string& name, const ag::Tensor& t,
                   const Labels& rows, const Labels& cols, const std::string& formula) {
  const ag::Tensor& c = t;
  const int64_t R = c.dim() == 1 ? 1 : c.size(0), C = c.dim() == 1 ? c.size(0) : c.size(1);
  if (c.dim() > 2 || static_cast<int64_t>(rows.size()) != R ||
      static_cast<int64_t>(cols.size()) != C)
    ag::fail("make_matrix: ", name, " has shape ", ag::shape_str(c.shape()), " but ", rows.size(),
             " row labels and ", cols.size(), " column labels");
  Matrix m;
  m.id = "m-" + view + "-" + name;
  m.name = name;
  m.formula = formula;
  m.rows = rows;
  m.cols = cols;
  m.values.assign(c.data(), c.data() + c.numel());
  return m;
}

View make_view(const std::string& id, const std::string& title, const std::string& text,
               const std::string& kind) {
  View v;
  v.id = id;
  v.title = title;
  v.text = text;
  v.kind = kind;
  return v;
}

Labels dims(int64_t n, const std::string& prefix) {
  Labels labels;
  for (int64_t k = 0; k < n; ++k) labels.push_back(prefix + std::to_string(k));
  return labels;
}

}  // namespace page
