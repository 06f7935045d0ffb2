// tests/tutorials/test_tutorials_attention.cpp: every number tutorials 03-05 print,
// recomputed with the plain loops of tutorial_test_util.h, and the document's
// wrong step-4 figures asserted against hand sums.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/ag.h"
#include "tests/helpers/tutorial_test_util.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/lesson03.h"
#include "tutorials/common/lesson04.h"
#include "tutorials/common/lesson05.h"
#include "tutorials/common/sentence.h"

using namespace tut_test;

TEST_SUITE("tutorials") {

// ================================================================ 03
TEST_CASE("03 the document's step-3 table: 4 numbers for 3 words, rows not normalised") {
  const tut::DecoderLesson L = tut::lesson03_decoder();
  CHECK(L.document_scores.size(1) == 4);
  CHECK(L.y.size(0) == 3);
  check_vec(L.document_row_sums, {1.5, 1.5, 1.3});  // 0.9+0.2+0.1+0.3, 0.2+0.8+0.3+0.2, ...
  // The 4th number of row Je (no word) exceeds its "low" 0.2 and "lower" 0.1.
  CHECK(L.document_scores.at({0, 3}) > L.document_scores.at({0, 1}));
}

TEST_CASE("03 masked decoder self-attention against loops") {
  const tut::DecoderLesson L = tut::lesson03_decoder();
  const size_t T = 3;
  std::vector<std::vector<bool>> future(T, std::vector<bool>(T));
  Mat mask(T, std::vector<double>(T));
  for (size_t i = 0; i < T; ++i)
    for (size_t j = 0; j < T; ++j) {
      future[i][j] = j > i;
      mask[i][j] = j > i ? 1.0 : 0.0;
    }
  check_mat(L.mask, mask, 0.0);

  const Mat y = to_mat(L.y);
  const Mat q = mat_mul(y, to_mat(L.W_Q)), k = mat_mul(y, to_mat(L.W_K)),
            v = mat_mul(y, to_mat(L.W_V));
  check_mat(L.masked.query, q);
  check_mat(L.masked.key, k);
  check_mat(L.masked.value, v);
  const PlainAttention masked = plain_attention(q, k, v, future);
  check_attention(L.masked, masked);
  check_attention(L.unmasked, plain_attention(q, k, v));
  // masked = scaled where allowed, -inf in the future.
  for (size_t i = 0; i < T; ++i)
    for (size_t j = 0; j < T; ++j) {
      const float m = L.masked.masked.at({int64_t(i), int64_t(j)});
      if (future[i][j])
        CHECK((std::isinf(m) && m < 0));
      else
        CHECK(m == doctest::Approx(masked.scaled[i][j]).epsilon(1e-5));
    }
  CHECK(L.masked.weights.at({0, 0}) == doctest::Approx(1.0));  // Je sees only itself
  for (size_t i = 0; i < T; ++i)
    for (size_t j = i + 1; j < T; ++j)
      CHECK(L.masked.weights.at({int64_t(i), int64_t(j)}) == 0.0f);  // exactly 0, not tiny

  // Negate the last word's vector: how far does each output row move?
  Mat y2 = y;
  for (double& e : y2[T - 1]) e = -e;
  check_mat(L.y_changed, y2);
  const Mat q2 = mat_mul(y2, to_mat(L.W_Q)), k2 = mat_mul(y2, to_mat(L.W_K)),
            v2 = mat_mul(y2, to_mat(L.W_V));
  auto shift = [&](const Mat& a, const Mat& b) {
    std::vector<double> s;
    for (size_t i = 0; i < a.size(); ++i) {
      double m = 0;
      for (size_t j = 0; j < a[i].size(); ++j) m = std::max(m, std::fabs(a[i][j] - b[i][j]));
      s.push_back(m);
    }
    return s;
  };
  const std::vector<double> unmasked_shift =
      shift(plain_attention(q, k, v).out, plain_attention(q2, k2, v2).out);
  const std::vector<double> masked_shift =
      shift(masked.out, plain_attention(q2, k2, v2, future).out);
  check_vec(L.unmasked_shift, unmasked_shift, 1e-4);
  check_vec(L.masked_shift, masked_shift, 1e-4);
  CHECK(L.masked_shift.data()[0] < 1e-6f);  // the past cannot see the future
  CHECK(L.masked_shift.data()[1] < 1e-6f);
  CHECK(L.unmasked_shift.data()[0] > 0.01f);  // without the mask it can
  CHECK(L.unmasked_shift.data()[1] > 0.01f);
}

// ================================================================ 04
TEST_CASE("04 the document's step-4 dot products, recomputed: all four are wrong") {
  const tut::DocumentCheck D = tut::lesson04_document();
  const std::vector<double> q = {0.9, 0.5, 0.2, 0.3};  // typed in from the document
  const Mat keys = {
      {0.9, 0.5, 0.2, 0.1}, {0.4, 0.8, 0.3, 0.2}, {0.2, 0.3, 0.7, 0.4}, {0.1, 0.2, 0.4, 0.9}};
  check_vec(D.query, q);
  check_mat(D.keys, keys);
  Mat products(4, std::vector<double>(4));
  std::vector<double> dots(4, 0.0);
  for (size_t r = 0; r < 4; ++r)
    for (size_t d = 0; d < 4; ++d) {
      products[r][d] = q[d] * keys[r][d];
      dots[r] += products[r][d];
    }
  check_mat(D.products, products);
  check_vec(D.correct, dots);
  // By hand: 0.81+0.25+0.04+0.03 = 1.13, 0.36+0.40+0.06+0.06 = 0.88,
  //          0.18+0.15+0.14+0.12 = 0.59, 0.09+0.10+0.08+0.27 = 0.54.
  check_vec(D.correct, {1.13, 0.88, 0.59, 0.54});
  check_vec(D.claimed, {0.71, 0.52, 0.38, 0.32});  // what the document prints
  for (int64_t r = 0; r < 4; ++r)
    CHECK(std::fabs(D.correct.data()[r] - D.claimed.data()[r]) > 0.2f);
  check_mat(D.comparison,
            {{0.71, 1.13, 0.42}, {0.52, 0.88, 0.36}, {0.38, 0.59, 0.21}, {0.32, 0.54, 0.22}});
  check_vec(D.weights, softmax_rows({{1.13 / 2, 0.88 / 2, 0.59 / 2, 0.54 / 2}})[0]);
}

TEST_CASE("04 cross-attention and the word \"a\" against loops") {
  const tut::CrossLesson C = tut::lesson04_cross();
  // Its inputs are the outputs checked in the 02 and 03 cases.
  check_mat(C.memory, to_mat(tut::lesson02_encoder().learned.out), 0.0);
  check_mat(C.decoder, to_mat(tut::lesson03_decoder().masked.out), 0.0);
  const Mat q = mat_mul(to_mat(C.decoder), to_mat(C.W_Q));
  const Mat k = mat_mul(to_mat(C.memory), to_mat(C.W_K)),
            v = mat_mul(to_mat(C.memory), to_mat(C.W_V));
  check_mat(C.cross.query, q);
  check_mat(C.cross.key, k);
  check_mat(C.cross.value, v);
  const PlainAttention cross = plain_attention(q, k, v);
  check_attention(C.cross, cross);
  check_vec(C.received, row_sums(mat_t(cross.weights)));
  double total = 0;
  for (int64_t j = 0; j < 4; ++j) total += C.received.data()[j];
  CHECK(total == doctest::Approx(3.0));  // three French rows, each summing to 1
  CHECK(C.received.data()[2] > 0.0f);    // "a" always gets some weight

  // Without "a": keys and values of I, am, student only.
  const Mat k3 = {k[0], k[1], k[3]}, v3 = {v[0], v[1], v[3]};
  const PlainAttention without_a = plain_attention(q, k3, v3);
  check_attention(C.without_a, without_a);
  Mat renorm(3, std::vector<double>(3));
  for (size_t i = 0; i < 3; ++i) {
    const double rest = 1.0 - cross.weights[i][2];
    renorm[i] = {cross.weights[i][0] / rest, cross.weights[i][1] / rest,
                 cross.weights[i][3] / rest};
  }
  check_mat(C.renormalised, renorm);
  check_mat(C.renormalised, without_a.weights, 1e-4);  // the point of the lesson
}

// ================================================================ 05
namespace {
Mat head_slice(const ag::Tensor& t, int64_t h) {  // (h, T, d) -> (T, d) of head h
  Mat m(t.size(1), std::vector<double>(t.size(2)));
  for (int64_t i = 0; i < t.size(1); ++i)
    for (int64_t j = 0; j < t.size(2); ++j) m[i][j] = t.data()[(h * t.size(1) + i) * t.size(2) + j];
  return m;
}
Mat columns(const Mat& a, size_t from, size_t count) {
  Mat out;
  for (const auto& row : a) out.emplace_back(row.begin() + from, row.begin() + from + count);
  return out;
}
struct PlainMultiHead {
  std::vector<Mat> q, k, v;
  std::vector<PlainAttention> heads;
  Mat concat, out;
};
PlainMultiHead plain_multi_head(const Mat& x, const tut::MultiHeadWeights& w) {
  PlainMultiHead m;
  const Mat Q = mat_mul(x, to_mat(w.W_Q)), K = mat_mul(x, to_mat(w.W_K)),
            V = mat_mul(x, to_mat(w.W_V));
  const size_t d_k = Q[0].size() / tut::kHeads;
  m.concat = Mat(x.size());
  for (size_t h = 0; h < size_t(tut::kHeads); ++h) {
    m.q.push_back(columns(Q, h * d_k, d_k));
    m.k.push_back(columns(K, h * d_k, d_k));
    m.v.push_back(columns(V, h * d_k, d_k));
    m.heads.push_back(plain_attention(m.q[h], m.k[h], m.v[h]));
    for (size_t i = 0; i < x.size(); ++i)
      m.concat[i].insert(m.concat[i].end(), m.heads[h].out[i].begin(), m.heads[h].out[i].end());
  }
  m.out = mat_mul(m.concat, to_mat(w.W_O));
  return m;
}
std::vector<double> gap(const Mat& reordered, const Mat& original,
                        const std::vector<int64_t>& order) {
  std::vector<double> g;
  for (size_t r = 0; r < order.size(); ++r) {
    double m = 0;
    for (size_t j = 0; j < reordered[r].size(); ++j)
      m = std::max(m, std::fabs(reordered[r][j] - original[order[r]][j]));
    g.push_back(m);
  }
  return g;
}
}  // namespace

TEST_CASE("05 multi-head attention: split, attend per head, concat, mix") {
  const tut::MultiHeadWeights W = tut::lesson05_weights();
  const tut::MultiHead M = tut::multi_head(tut::english_word_vectors(), W);
  const PlainMultiHead want = plain_multi_head(to_mat(M.x), W);
  REQUIRE(M.heads.weights.shape() == ag::Shape{2, 4, 4});
  for (int64_t h = 0; h < tut::kHeads; ++h) {
    auto as2d = [&](const ag::Tensor& t) {
      const Mat m = head_slice(t, h);
      std::vector<float> flat;
      for (const auto& row : m) flat.insert(flat.end(), row.begin(), row.end());
      return ag::from_vector(flat, {int64_t(m.size()), int64_t(m[0].size())});
    };
    check_mat(as2d(M.q_heads), want.q[h]);
    check_mat(as2d(M.k_heads), want.k[h]);
    check_mat(as2d(M.v_heads), want.v[h]);
    check_mat(as2d(M.heads.scaled), want.heads[h].scaled);  // scaled by 1/√2, the head's width
    check_mat(as2d(M.heads.weights), want.heads[h].weights);
    check_mat(as2d(M.heads.out), want.heads[h].out);
  }
  check_mat(M.concat, want.concat);
  check_mat(M.out, want.out);
}

TEST_CASE("05 sinusoidal positions and permutation-equivariance") {
  const tut::MultiHeadWeights W = tut::lesson05_weights();
  const tut::PositionLesson P = tut::lesson05_positions(W);
  Mat table(tut::kPositions, std::vector<double>(4));
  for (size_t p = 0; p < table.size(); ++p) {
    table[p] = {std::sin(p / 1.0), std::cos(p / 1.0), std::sin(p / 100.0), std::cos(p / 100.0)};
  }
  check_mat(P.table, table);
  CHECK(P.table.at({1, 0}) == doctest::Approx(0.841471).epsilon(1e-5));  // sin 1
  CHECK(P.table.at({1, 1}) == doctest::Approx(0.540302).epsilon(1e-5));  // cos 1
  Mat x_pos = to_mat(P.x);
  for (size_t i = 0; i < x_pos.size(); ++i)
    for (size_t j = 0; j < 4; ++j) x_pos[i][j] += table[i][j];
  check_mat(P.x_pos, x_pos);

  const std::vector<int64_t> order = P.order;
  Mat x_re, x_re_pos;
  for (size_t r = 0; r < order.size(); ++r) x_re.push_back(to_mat(P.x)[order[r]]);
  x_re_pos = x_re;
  for (size_t i = 0; i < x_re_pos.size(); ++i)
    for (size_t j = 0; j < 4; ++j) x_re_pos[i][j] += table[i][j];
  const Mat out = plain_multi_head(to_mat(P.x), W).out, out_re = plain_multi_head(x_re, W).out;
  const Mat out_pos = plain_multi_head(x_pos, W).out,
            out_pos_re = plain_multi_head(x_re_pos, W).out;
  check_mat(P.out, out);
  check_mat(P.out_reordered, out_re);
  check_mat(P.out_pos, out_pos);
  check_mat(P.out_pos_reordered, out_pos_re);
  check_vec(P.gap, gap(out_re, out, order), 1e-4);
  check_vec(P.gap_pos, gap(out_pos_re, out_pos, order), 1e-4);
  for (int64_t r = 0; r < 4; ++r) {
    CHECK(P.gap.data()[r] < 1e-5f);     // equivariant without positions
    CHECK(P.gap_pos.data()[r] > 0.1f);  // not with them
  }
}

}  // TEST_SUITE("tutorials")
