// tests/test_tutorials.cpp: every number the tutorials print, recomputed.
//
// The tutorials compute with attograd ops (tutorials/common/lesson0N.cpp);
// here the same quantities are recomputed with plain double-precision loops
// (no attograd op is used in a check) and compared. The document's wrong
// figures are asserted too, against values worked out by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/ag.h"
#include "tutorials/common/attention_steps.h"
#include "tutorials/common/heatmap.h"
#include "tutorials/common/lesson01.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/lesson03.h"
#include "tutorials/common/lesson04.h"
#include "tutorials/common/lesson05.h"
#include "tutorials/common/sentence.h"

namespace {

// ---- plain-loop linear algebra, doubles, row-major matrices ----
using Mat = std::vector<std::vector<double>>;

Mat to_mat(const ag::Tensor& t) {
  REQUIRE(t.dim() == 2);
  Mat m(t.size(0), std::vector<double>(t.size(1)));
  for (int64_t i = 0; i < t.size(0); ++i)
    for (int64_t j = 0; j < t.size(1); ++j) m[i][j] = t.data()[i * t.size(1) + j];
  return m;
}

Mat mat_mul(const Mat& a, const Mat& b) {
  Mat c(a.size(), std::vector<double>(b[0].size(), 0.0));
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < b[0].size(); ++j)
      for (size_t k = 0; k < b.size(); ++k) c[i][j] += a[i][k] * b[k][j];
  return c;
}

Mat mat_t(const Mat& a) {
  Mat t(a[0].size(), std::vector<double>(a.size()));
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[0].size(); ++j) t[j][i] = a[i][j];
  return t;
}

Mat mat_scale(Mat a, double s) {
  for (auto& row : a)
    for (double& v : row) v *= s;
  return a;
}

// Row softmax; entries where masked[i][j] is true get weight 0.
Mat softmax_rows(const Mat& x, const std::vector<std::vector<bool>>& masked = {}) {
  Mat p = x;
  for (size_t i = 0; i < x.size(); ++i) {
    double m = -1e300, sum = 0.0;
    auto off = [&](size_t j) { return !masked.empty() && masked[i][j]; };
    for (size_t j = 0; j < x[i].size(); ++j)
      if (!off(j)) m = std::max(m, x[i][j]);
    for (size_t j = 0; j < x[i].size(); ++j) sum += off(j) ? 0.0 : std::exp(x[i][j] - m);
    for (size_t j = 0; j < x[i].size(); ++j) p[i][j] = off(j) ? 0.0 : std::exp(x[i][j] - m) / sum;
  }
  return p;
}

struct PlainAttention {
  Mat scores, scaled, weights, out;
};
PlainAttention plain_attention(const Mat& q, const Mat& k, const Mat& v,
                               const std::vector<std::vector<bool>>& masked = {}) {
  PlainAttention a;
  a.scores = mat_mul(q, mat_t(k));
  a.scaled = mat_scale(a.scores, 1.0 / std::sqrt(static_cast<double>(q[0].size())));
  a.weights = softmax_rows(a.scaled, masked);
  a.out = mat_mul(a.weights, v);
  return a;
}

void check_mat(const ag::Tensor& got, const Mat& want, double tol = 1e-5) {
  REQUIRE(got.dim() == 2);
  REQUIRE(got.size(0) == static_cast<int64_t>(want.size()));
  REQUIRE(got.size(1) == static_cast<int64_t>(want[0].size()));
  for (size_t i = 0; i < want.size(); ++i)
    for (size_t j = 0; j < want[0].size(); ++j) {
      const double g = got.data()[i * want[0].size() + j];
      if (!(std::fabs(g - want[i][j]) <= tol * (1.0 + std::fabs(want[i][j])))) {
        FAIL_CHECK("element [" << i << ", " << j << "]: got " << g << ", expected " << want[i][j]);
        return;
      }
    }
}

void check_vec(const ag::Tensor& got, const std::vector<double>& want, double tol = 1e-5) {
  REQUIRE(got.numel() == static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    CHECK_MESSAGE(std::fabs(got.data()[i] - want[i]) <= tol * (1.0 + std::fabs(want[i])),
                  "element " << i << ": got " << got.data()[i] << ", expected " << want[i]);
}

void check_attention(const tut::Attention& got, const PlainAttention& want) {
  check_mat(got.scores, want.scores);
  check_mat(got.scaled, want.scaled);
  check_mat(got.weights, want.weights);
  check_mat(got.out, want.out);
}

std::vector<double> row_sums(const Mat& m) {
  std::vector<double> s;
  for (const auto& row : m) {
    double t = 0.0;
    for (double v : row) t += v;
    s.push_back(t);
  }
  return s;
}

}  // namespace

TEST_SUITE("tutorials") {

// ================================================================ 01
TEST_CASE("01 tokens, vocabularies and ids") {
  const tut::TokensLesson L = tut::lesson01_tokens();
  CHECK(L.english == std::vector<std::string>{"I", "am", "a", "student"});
  CHECK(L.french == std::vector<std::string>{"Je", "suis", "étudiant"});
  CHECK(L.english_vocab.tokens ==
        std::vector<std::string>{"<pad>", "<s>", "</s>", "I", "am", "a", "student"});
  CHECK(L.french_vocab.tokens ==
        std::vector<std::string>{"<pad>", "<s>", "</s>", "Je", "suis", "étudiant"});
  CHECK(L.english_ids == std::vector<int64_t>{1, 3, 4, 5, 6, 2});
  CHECK(L.french_ids == std::vector<int64_t>{1, 3, 4, 5, 2});
  CHECK(L.decoder_input == std::vector<int64_t>{1, 3, 4, 5});
  CHECK(L.decoder_target == std::vector<int64_t>{3, 4, 5, 2});
  CHECK(L.short_padded == std::vector<int64_t>{1, 3, 4, 2, 0, 0});
  // The document's step 5 "predicts" Chinese tokens; a French vocabulary has none.
  for (const char* zh : {"我", "是", "。"}) CHECK_FALSE(L.french_vocab.contains(zh));
  CHECK_THROWS_WITH_AS(L.french_vocab.id("我"),
                       doctest::Contains("token '我' is not in the vocabulary of 6 tokens"),
                       ag::Error);
  CHECK_THROWS_WITH_AS(tut::pad_to({1, 2, 3}, 2), doctest::Contains("3 ids do not fit in length 2"),
                       ag::Error);
}

TEST_CASE("01 embeddings: the document's vectors, row lookup, norms and cosines") {
  const tut::TokensLesson L = tut::lesson01_tokens();
  // The document's two vectors, typed in from its text.
  const Mat doc = {{0.1, 0.2, -0.3, 0.4}, {0.2, 0.3, -0.4, 0.5}};
  const Mat english = to_mat(L.english_vectors);  // <s> I am a student </s>
  REQUIRE(english.size() == 6);
  check_mat(ag::from_vector({english[1].begin(), english[1].end()}, {1, 4}), {doc[0]});
  check_mat(ag::from_vector({english[2].begin(), english[2].end()}, {1, 4}), {doc[1]});
  // Every printed row is the table row of its id.
  const Mat en_table = to_mat(tut::english_embedding_table());
  const Mat fr_table = to_mat(tut::french_embedding_table());
  Mat en_rows, fr_rows;
  for (int64_t id : L.english_ids) en_rows.push_back(en_table[id]);
  for (int64_t id : L.french_ids) fr_rows.push_back(fr_table[id]);
  check_mat(L.english_vectors, en_rows);
  check_mat(L.french_vectors, fr_rows);
  for (double v : en_table[0]) CHECK(v == 0.0);  // <pad> is zeros

  // Norms and cosines of the four words, by loops.
  const Mat words(english.begin() + 1, english.end() - 1);
  std::vector<double> norms;
  for (const auto& w : words) {
    double s = 0;
    for (double v : w) s += v * v;
    norms.push_back(std::sqrt(s));
  }
  check_vec(L.english_norms, norms);
  Mat cosine(4, std::vector<double>(4));
  for (size_t i = 0; i < 4; ++i)
    for (size_t j = 0; j < 4; ++j) {
      double dot = 0;
      for (size_t d = 0; d < 4; ++d) dot += words[i][d] * words[j][d];
      cosine[i][j] = dot / (norms[i] * norms[j]);
    }
  check_mat(L.english_cosine, cosine);
  // By hand: I·am = 0.02 + 0.06 + 0.12 + 0.20 = 0.40, ‖I‖² = 0.30, ‖am‖² = 0.54.
  CHECK(L.english_cosine.at({0, 1}) == doctest::Approx(0.40 / std::sqrt(0.30 * 0.54)).epsilon(1e-5));
  CHECK(L.english_cosine.at({0, 1}) == doctest::Approx(0.9938).epsilon(1e-4));
}

// ================================================================ 02
TEST_CASE("02 the document's step-2 table is not normalised") {
  const tut::EncoderLesson L = tut::lesson02_encoder();
  check_vec(L.document_row_sums, {1.7, 1.7, 1.6, 1.6});  // 0.9+0.5+0.2+0.1 = 1.7, ...
  check_vec(L.document_row_sums, row_sums(to_mat(L.document_scores)));
}

TEST_CASE("02 plain self-attention (query = key = value = x) against loops") {
  const tut::EncoderLesson L = tut::lesson02_encoder();
  const Mat x = to_mat(L.x);
  check_attention(L.plain, plain_attention(x, x, x));
  // By hand from the document's vectors: I·I = 0.01+0.04+0.09+0.16 = 0.30 and
  // I·am = 0.40, so "I" matches "am" better than itself (the document says 0.9 vs 0.5).
  CHECK(L.plain.scores.at({0, 0}) == doctest::Approx(0.30).epsilon(1e-5));
  CHECK(L.plain.scores.at({0, 1}) == doctest::Approx(0.40).epsilon(1e-5));
  CHECK(L.plain.weights.at({0, 1}) > L.plain.weights.at({0, 0}));
  for (double s : row_sums(to_mat(L.plain.weights))) CHECK(s == doctest::Approx(1.0));
}

TEST_CASE("02 learned self-attention (x W_Q, x W_K, x W_V) against loops") {
  const tut::EncoderLesson L = tut::lesson02_encoder();
  const Mat x = to_mat(L.x);
  const Mat q = mat_mul(x, to_mat(L.W_Q)), k = mat_mul(x, to_mat(L.W_K)), v = mat_mul(x, to_mat(L.W_V));
  check_mat(L.learned.query, q);
  check_mat(L.learned.key, k);
  check_mat(L.learned.value, v);
  check_attention(L.learned, plain_attention(q, k, v));
  // The seeded weights are the same on every run.
  check_mat(tut::seeded_matrix(4, 4, tut::kEncoderSeed, tut::kWeightScale), to_mat(L.W_Q), 0.0);
}

TEST_CASE("02 backward: autograd's gradients equal the chain rule done by hand") {
  const tut::EncoderLesson L = tut::lesson02_encoder();
  const tut::BackwardLesson B = tut::lesson02_backward(L);
  const Mat x = to_mat(L.x);
  const Mat q = to_mat(L.learned.query), k = to_mat(L.learned.key), v = to_mat(L.learned.value);
  const Mat p = to_mat(L.learned.weights), dout = to_mat(B.dout);
  const size_t T = p.size();

  // out = p v  =>  dp = dout vᵀ
  const Mat dp = mat_mul(dout, mat_t(v));
  check_mat(B.dweights, dp);
  // Softmax by its Jacobian, entry by entry: dx_j = Σ_i dp_i p_i (δ_ij - p_j).
  Mat dscaled(T, std::vector<double>(T, 0.0)), J0(T, std::vector<double>(T));
  for (size_t r = 0; r < T; ++r)
    for (size_t j = 0; j < T; ++j)
      for (size_t i = 0; i < T; ++i) {
        const double Jij = p[r][i] * ((i == j ? 1.0 : 0.0) - p[r][j]);
        if (r == 0) J0[i][j] = Jij;
        dscaled[r][j] += dp[r][i] * Jij;
      }
  check_mat(B.jacobian_I, J0);
  check_mat(B.dscaled, dscaled);
  check_mat(B.dscaled_by_hand, dscaled);
  CHECK(B.max_difference < 1e-5f);
  for (double s : row_sums(J0)) CHECK(std::fabs(s) < 1e-6);  // rows of J sum to 0
  // scaled = scores / 2  =>  dscores = dscaled / 2
  const Mat dscores = mat_scale(dscaled, 0.5);
  check_mat(B.dscores, dscores);
  // scores = q kᵀ  =>  dq = dscores k;   q = x W_Q  =>  dW_Q = xᵀ dq
  check_mat(B.dW_Q, mat_mul(mat_t(x), mat_mul(dscores, k)));
}

// ================================================================ heatmaps
TEST_CASE("heatmaps: shaded text, SVG with escaped labels, output directory") {
  const ag::Tensor w = ag::tensor({{0.1f, 0.9f}, {0.5f, 0.5f}});
  const std::string text = tut::shade_heatmap(w, {"<s>", "Je"}, {"I", "am"});
  CHECK(text.find("<s>") != std::string::npos);
  CHECK(text.find("████") != std::string::npos);  // 0.9 is the largest: full shade
  CHECK(text.find("····") != std::string::npos);  // 0.1 / 0.9 < 20%
  CHECK(text.find("▒▒▒▒") != std::string::npos);  // 0.5 / 0.9 = 56%
  CHECK(tut::shade_legend(w).find("0.9000") != std::string::npos);

  const std::string svg = tut::heatmap_svg(w, {"<s>", "Je"}, {"I", "am"}, "weights & co");
  CHECK(svg.find("&lt;s&gt;") != std::string::npos);
  CHECK(svg.find("weights &amp; co") != std::string::npos);
  for (const char* cell : {">0.1000<", ">0.9000<", ">0.5000<"})
    CHECK(svg.find(cell) != std::string::npos);
  CHECK_THROWS_WITH_AS(tut::heatmap_svg(w, {"a"}, {"I", "am"}, "t"),
                       doctest::Contains("1 row labels and 2 column labels for a matrix of shape [2, 2]"),
                       ag::Error);

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "attograd_test_tutorial_out";
  std::filesystem::remove_all(dir);
  ::setenv("AG_TUTORIAL_OUT", dir.c_str(), 1);
  CHECK(tut::output_dir() == dir.string());
  const std::string path = tut::write_heatmap_svg(w, {"<s>", "Je"}, {"I", "am"}, "t", "unit");
  ::unsetenv("AG_TUTORIAL_OUT");
  CHECK(tut::output_dir() == "build/tutorial_out");
  CHECK(path == (dir / "unit.svg").string());
  std::ifstream in(path);
  std::stringstream read;
  read << in.rdbuf();
  CHECK(read.str() == tut::heatmap_svg(w, {"<s>", "Je"}, {"I", "am"}, "t"));
  std::filesystem::remove_all(dir);
}

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
  const Mat q = mat_mul(y, to_mat(L.W_Q)), k = mat_mul(y, to_mat(L.W_K)), v = mat_mul(y, to_mat(L.W_V));
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
      if (future[i][j]) CHECK((std::isinf(m) && m < 0));
      else CHECK(m == doctest::Approx(masked.scaled[i][j]).epsilon(1e-5));
    }
  CHECK(L.masked.weights.at({0, 0}) == doctest::Approx(1.0));  // Je sees only itself

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
  const Mat keys = {{0.9, 0.5, 0.2, 0.1}, {0.4, 0.8, 0.3, 0.2}, {0.2, 0.3, 0.7, 0.4}, {0.1, 0.2, 0.4, 0.9}};
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
  for (int64_t r = 0; r < 4; ++r) CHECK(std::fabs(D.correct.data()[r] - D.claimed.data()[r]) > 0.2f);
  check_mat(D.comparison, {{0.71, 1.13, 0.42}, {0.52, 0.88, 0.36}, {0.38, 0.59, 0.21}, {0.32, 0.54, 0.22}});
  check_vec(D.weights, softmax_rows({{1.13 / 2, 0.88 / 2, 0.59 / 2, 0.54 / 2}})[0]);
}

TEST_CASE("04 cross-attention and the word \"a\" against loops") {
  const tut::CrossLesson C = tut::lesson04_cross();
  // Its inputs are the outputs checked in the 02 and 03 cases.
  check_mat(C.memory, to_mat(tut::lesson02_encoder().learned.out), 0.0);
  check_mat(C.decoder, to_mat(tut::lesson03_decoder().masked.out), 0.0);
  const Mat q = mat_mul(to_mat(C.decoder), to_mat(C.W_Q));
  const Mat k = mat_mul(to_mat(C.memory), to_mat(C.W_K)), v = mat_mul(to_mat(C.memory), to_mat(C.W_V));
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
    renorm[i] = {cross.weights[i][0] / rest, cross.weights[i][1] / rest, cross.weights[i][3] / rest};
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
  const Mat Q = mat_mul(x, to_mat(w.W_Q)), K = mat_mul(x, to_mat(w.W_K)), V = mat_mul(x, to_mat(w.W_V));
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
std::vector<double> gap(const Mat& reordered, const Mat& original, const std::vector<int64_t>& order) {
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
  const Mat out_pos = plain_multi_head(x_pos, W).out, out_pos_re = plain_multi_head(x_re_pos, W).out;
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

}  // TEST_SUITE
