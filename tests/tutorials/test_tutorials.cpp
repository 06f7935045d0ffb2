// tests/tutorials/test_tutorials.cpp: every number tutorials 01-02 print, recomputed
// (03-05 are in test_tutorials_attention.cpp), and the heatmap writers.
//
// The tutorials compute with attograd ops (tutorials/common/lesson0N.cpp);
// here the same quantities are recomputed with plain double-precision loops
// (no attograd op is used in a check) and compared. The document's wrong
// figures are asserted too, against values worked out by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/ag.h"
#include "tests/helpers/tutorial_test_util.h"
#include "tutorials/common/heatmap.h"
#include "tutorials/common/lesson01.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/sentence.h"

using namespace tut_test;

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
  CHECK(L.english_cosine.at({0, 1}) ==
        doctest::Approx(0.40 / std::sqrt(0.30 * 0.54)).epsilon(1e-5));
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
  const Mat q = mat_mul(x, to_mat(L.W_Q)), k = mat_mul(x, to_mat(L.W_K)),
            v = mat_mul(x, to_mat(L.W_V));
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
  CHECK_THROWS_WITH_AS(
      tut::heatmap_svg(w, {"a"}, {"I", "am"}, "t"),
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
}  // TEST_SUITE("tutorials")
