// tutorials/common/lesson05.cpp: multi-head attention and positions.
#include "tutorials/common/lesson05.h"

#include <algorithm>

#include "core/ag.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/sentence.h"

namespace tut {
namespace {

// Rows of x in the given order (row k of the result is row order[k] of x).
ag::Tensor reorder_rows(const ag::Tensor& x, const std::vector<int64_t>& order) {
  return ag::embedding(x, ids_tensor(order));  // an embedding lookup is exactly a row gather
}

ag::Tensor row_gap(const ag::Tensor& a, const ag::Tensor& b) { return ag::max(ag::abs(a - b), -1); }

}  // namespace

MultiHeadWeights lesson05_weights() {
  MultiHeadWeights w;
  w.W_Q = seeded_matrix(kWidth, kWidth, kMultiSeed, kWeightScale);
  w.W_K = seeded_matrix(kWidth, kWidth, kMultiSeed + 1, kWeightScale);
  w.W_V = seeded_matrix(kWidth, kWidth, kMultiSeed + 2, kWeightScale);
  w.W_O = seeded_matrix(kWidth, kWidth, kMultiSeed + 3, 0.5f);
  return w;
}

std::vector<std::string> head_column_labels(int64_t heads) {
  std::vector<std::string> labels;
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t d = 0; d < kWidth / heads; ++d)
      labels.push_back(
          std::string("h").append(std::to_string(h)).append(".d").append(std::to_string(d)));
  return labels;
}

std::vector<std::string> head_dim_labels(int64_t heads) {
  std::vector<std::string> labels;
  for (int64_t d = 0; d < kWidth / heads; ++d)
    labels.push_back(std::string("d").append(std::to_string(d)));
  return labels;
}

MultiHead multi_head(const ag::Tensor& x, const MultiHeadWeights& w, int64_t heads) {
  if (heads <= 0 || kWidth % heads != 0)
    ag::fail("multi_head: ", heads, " heads do not divide the model width ", kWidth);
  MultiHead m;
  m.x = x;
  // One big projection per role, then with 2 heads columns 0-1 go to head 0 and
  // 2-3 to head 1: the same as giving each head its own (4, 2) matrices, in one matmul.
  m.q_heads = split_heads(ag::matmul(x, w.W_Q), heads);
  m.k_heads = split_heads(ag::matmul(x, w.W_K), heads);
  m.v_heads = split_heads(ag::matmul(x, w.W_V), heads);
  m.heads = attend(m.q_heads, m.k_heads, m.v_heads);  // matmul batches over the heads
  m.concat = merge_heads(m.heads.out);
  m.out = ag::matmul(m.concat, w.W_O);  // W_O mixes what the heads found
  return m;
}

std::vector<int64_t> default_order(int64_t T) {
  std::vector<int64_t> order;
  for (int64_t k : {T - 1, int64_t{1}, int64_t{0}})
    if (k >= 0 && k < T && std::find(order.begin(), order.end(), k) == order.end())
      order.push_back(k);
  for (int64_t k = 2; k < T - 1; ++k) order.push_back(k);
  return order;
}

PositionLesson lesson05_positions(const MultiHeadWeights& w, int64_t heads,
                                  const std::vector<int64_t>& order) {
  PositionLesson P;
  P.x = english_word_vectors();
  const int64_t T = P.x.size(0);
  P.table = sinusoidal_positions(std::max(kPositions, T), kWidth);
  const ag::Tensor pe = ag::narrow(P.table, 0, 0, T);
  P.x_pos = P.x + pe;
  P.order = order.empty() ? default_order(T) : order;  // student am I a
  std::vector<int64_t> sorted = P.order;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t k = 0; k < T; ++k)
    if (static_cast<int64_t>(sorted.size()) != T || sorted[k] != k)
      ag::fail("lesson05_positions: the order ", ag::shape_str(P.order),
               " is not a reordering of the ", T, " word positions 0..", T - 1);

  // Without positions: reorder the words, attend, compare with the reordered output.
  P.out = multi_head(P.x, w, heads).out;
  P.out_reordered = multi_head(reorder_rows(P.x, P.order), w, heads).out;
  P.gap = row_gap(P.out_reordered, reorder_rows(P.out, P.order));

  // With positions: position 0 is now "student", so words meet different positions.
  P.out_pos = multi_head(P.x_pos, w, heads).out;
  P.out_pos_reordered = multi_head(reorder_rows(P.x, P.order) + pe, w, heads).out;
  P.gap_pos = row_gap(P.out_pos_reordered, reorder_rows(P.out_pos, P.order));
  return P;
}

}  // namespace tut
