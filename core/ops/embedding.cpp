// core/ops/embedding.cpp: a lookup table of rows, and its scatter-add backward.
//
// Shape legend: V rows in the table (vocabulary), D numbers per row (width),
// I = number of ids (any shape, flattened). weight (V, D), ids (...) -> out (..., D).
//
//   out[i, :] = weight[ids[i], :]
//   dweight[v, :] = Σ over every i with ids[i] == v of dout[i, :]   (0 for v = padding_idx)
// An id used twice receives both gradients, so backward adds (+=), never assigns.
#include "core/ops/embedding.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/autograd.h"

namespace ag {

// "3" for 1-D ids, "[1, 0]" for more: the position the way a reader indexes it.
static std::string id_position(int64_t flat, const Shape& shape) {
  return shape.size() <= 1 ? std::to_string(flat) : index_str(flat, shape);
}

// dweight = zeros (V, D), then each output row's gradient added to its id's row.
// It keeps the row numbers forward checked, not the ids tensor: a later write
// into that tensor must not send backward outside dweight.
struct EmbeddingBackward : Node {
  std::vector<int64_t> rows;  // rows[i] = ids[i], in [0, V)
  Shape weight_shape;
  int64_t padding_idx = -1;  // a row that gets no gradient, or -1 for none
  std::string name() const override { return "EmbeddingBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

int64_t normalized_padding_idx(const char* op, int64_t padding_idx, int64_t V) {
  if (padding_idx >= V || padding_idx < -V)
    fail(op, ": padding_idx ", padding_idx, " must be within num_embeddings ", V, " (in [", -V,
         ", ", V - 1, "])");
  return padding_idx < 0 ? padding_idx + V : padding_idx;
}

Tensor embedding(const Tensor& weight, const Tensor& ids, std::optional<int64_t> padding_idx) {
  if (weight.dim() != 2) fail("embedding: weight must be 2-D (V, D), got shape ", weight.shape());
  const int64_t V = weight.size(0), D = weight.size(1);
  const int64_t padding_row =
      padding_idx ? normalized_padding_idx("embedding", *padding_idx, V) : -1;
  const float* id = ids.data();
  std::vector<int64_t> rows(ids.numel());
  for (int64_t i = 0; i < ids.numel(); ++i) {  // every id checked before any row is read
    if (!(id[i] == std::floor(id[i])))         // also catches NaN and infinities
      fail("embedding: id ", id[i], " at index ", id_position(i, ids.shape()),
           " is not a whole number");
    // V compared as a double: as a float it rounds past 2^24 (V = 2^24 + 3 becomes 2^24 + 4).
    if (id[i] < 0 || id[i] >= static_cast<double>(V))
      fail("embedding: id ", id[i], " at index ", id_position(i, ids.shape()),
           " is out of range for ", V, " embeddings (weight ", weight.shape(), ")");
    rows[i] = static_cast<int64_t>(id[i]);
  }

  Shape out_shape = ids.shape();
  out_shape.push_back(D);
  Tensor out = empty(out_shape);
  const float* w = weight.data();
  float* y = out.data();
  for (int64_t i = 0; i < ids.numel(); ++i)
    std::copy(w + rows[i] * D, w + (rows[i] + 1) * D, y + i * D);

  if (needs_grad({weight})) {
    auto node = std::make_shared<EmbeddingBackward>();
    node->rows = std::move(rows);
    node->weight_shape = weight.shape();
    node->padding_idx = padding_row;
    attach(out, node, {weight});
  }
  return out;
}

std::vector<Tensor> EmbeddingBackward::apply(const Tensor& dout) {
  const int64_t D = weight_shape[1];
  Tensor dweight = zeros(weight_shape);
  const float* dy = dout.data();
  float* dw = dweight.data();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] == padding_idx) continue;  // the padding row is not trained
    float* row = dw + rows[i] * D;
    for (int64_t d = 0; d < D; ++d) row[d] += dy[i * D + d];
  }
  return {dweight};
}

}  // namespace ag
