// tests/tutorials/test_tutorials_try.cpp: every "what to try next" that is a constant
// change, applied (the lessons take the constant as a parameter), and the
// tutorials' --save files and article quotes.
#include <doctest/doctest.h>

#include <unistd.h>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/ag.h"
#include "core/io/atomic_file.h"
#include "core/io/json.h"
#include "core/io/npy.h"
#include "tests/helpers/platform.h"
#include "tests/helpers/tutorial_test_util.h"
#include "tutorials/common/article.h"
#include "tutorials/common/lesson01.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/lesson03.h"
#include "tutorials/common/lesson04.h"
#include "tutorials/common/lesson05.h"
#include "tutorials/common/lesson06.h"
#include "tutorials/common/lesson08.h"
#include "tutorials/common/present.h"
#include "tutorials/common/sentence.h"

using namespace tut_test;
namespace fs = std::filesystem;

namespace {

float row_max(const ag::Tensor& weights) {
  float m = 0;
  for (float v : weights.to_vector()) m = std::max(m, v);
  return m;
}

// What the code prints to std::cout while `f` runs.
template <class F>
std::string captured(F f) {
  std::ostringstream out;
  std::streambuf* old = std::cout.rdbuf(out.rdbuf());
  try {
    f();
  } catch (...) {
    std::cout.rdbuf(old);
    throw;
  }
  std::cout.rdbuf(old);
  return out.str();
}

fs::path repo_root() {
  fs::path p = ag_test::platform::executable_path().parent_path();
  while (!fs::exists(p / "tutorials/common/article.cpp") && p != p.parent_path())
    p = p.parent_path();
  return p;
}

}  // namespace

TEST_SUITE("tutorials") {

TEST_CASE("01 what to try: a word added to the sentence gets the next id, then a clear error") {
  const tut::TokensLesson L = tut::lesson01_tokens("I am a good student");
  REQUIRE(L.english_vocab.size() == 8);
  CHECK(L.english_vocab.id("good") == 6);  // ids in order of first appearance
  CHECK(L.english_vocab.id("student") == 7);
  CHECK(L.english_ids == std::vector<int64_t>{1, 3, 4, 5, 6, 7, 2});
  CHECK(L.missing_vector ==
        "english embedding table: \"good\" (id 6) has no vector; give it one in english_vectors() "
        "in tutorials/common/sentence.cpp");
  CHECK_FALSE(L.english_vectors.defined());
  // A reordered sentence of known words still looks every row up by word.
  const tut::TokensLesson R = tut::lesson01_tokens("student a am I");
  CHECK(R.missing_vector.empty());
  const Mat rows = to_mat(R.english_vectors);
  CHECK(rows[1] == std::vector<double>{0.6f, -0.3f, 0.2f, 0.2f});  // "student"
  CHECK(rows[4] == std::vector<double>{0.1f, 0.2f, -0.3f, 0.4f});  // "I", the document's
  CHECK(R.english_cosine.at({3, 2}) == doctest::Approx(0.9938).epsilon(1e-4));
}

TEST_CASE("02 what to try: kWeightScale 5, no scaling, and +10 on a row") {
  const tut::EncoderLesson base = tut::lesson02_encoder();
  const tut::EncoderLesson wide = tut::lesson02_encoder(5.0f);
  // 5/1.5 times larger W_Q and W_K make the scores (5/1.5)² times larger: the rows peak.
  CHECK(wide.learned.scores.at({0, 1}) ==
        doctest::Approx(base.learned.scores.at({0, 1}) * (5.0 / 1.5) * (5.0 / 1.5)).epsilon(1e-4));
  CHECK(row_max(wide.learned.weights) > row_max(base.learned.weights));
  CHECK(row_max(wide.learned.weights) > 0.9f);
  const tut::BackwardLesson backward_lesson = tut::lesson02_backward(wide);
  CHECK(backward_lesson.max_difference < 1e-5f);  // the hand Jacobian still agrees
  // Without the division by 2 the softmax sees twice the scores: peakier rows.
  const ag::Tensor unscaled = tut::step_softmax(base.learned.scores);
  CHECK(row_max(unscaled) > row_max(base.learned.weights));
  const Mat expected = softmax_rows(to_mat(base.learned.scores));
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 4; ++j)
      CHECK(unscaled.at({i, j}) == doctest::Approx(expected[i][j]).epsilon(1e-5));
  // +10 on every score of row 0 changes none of its weights (J's rows sum to 0).
  ag::Tensor shifted = base.learned.scaled.clone();
  for (int64_t j = 0; j < 4; ++j) shifted.data()[j] += 10.0f;
  const ag::Tensor same = tut::step_softmax(shifted);
  for (int64_t j = 0; j < 4; ++j)
    CHECK(same.at({0, j}) == doctest::Approx(base.learned.weights.at({0, j})).epsilon(1e-5));
}

TEST_CASE("05 what to try: kHeads 1, 2 and 4 all run, with labels and scaling to match") {
  const ag::Tensor x = tut::english_word_vectors();
  const tut::MultiHeadWeights w = tut::lesson05_weights();
  const tut::Labels words = tut::tokenize(tut::kEnglishSentence);
  for (int64_t heads : {1, 2, 4}) {
    INFO("heads = " << heads);
    const int64_t width = 4 / heads;
    const tut::MultiHead m = tut::multi_head(x, w, heads);
    CHECK(m.heads.weights.shape() == ag::Shape{heads, 4, 4});
    CHECK(m.heads.out.shape() == ag::Shape{heads, 4, width});
    // What the program prints: the same labels, the same calls (this used to throw).
    const tut::Labels columns = tut::head_column_labels(heads);
    CHECK(columns.size() == 4);
    std::string last = "h";
    last.append(std::to_string(heads - 1)).append(".d").append(std::to_string(width - 1));
    CHECK(columns.back() == last);
    CHECK_NOTHROW(ag::format_matrix(tut::merge_heads(m.q_heads), words, columns, 4));
    CHECK_NOTHROW(ag::format_matrix(ag::select(m.heads.out, 0, heads - 1), words,
                                    tut::head_dim_labels(heads), 4));
    // Head h, by loops: columns h·width .. of x W_Q and x W_K, scores / √width, row softmax.
    const Mat q = mat_mul(to_mat(x), to_mat(w.W_Q)), k = mat_mul(to_mat(x), to_mat(w.W_K));
    for (int64_t h = 0; h < heads; ++h) {
      Mat scores(4, std::vector<double>(4, 0.0));
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          for (int64_t d = h * width; d < (h + 1) * width; ++d) scores[i][j] += q[i][d] * k[j][d];
      const Mat weights = softmax_rows(mat_scale(scores, 1.0 / std::sqrt(double(width))));
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          CHECK(m.heads.weights.at({h, i, j}) == doctest::Approx(weights[i][j]).epsilon(1e-4));
    }
    // Step 5e still holds: no positions, no order; with positions, order.
    const tut::PositionLesson P = tut::lesson05_positions(w, heads);
    CHECK(row_max(P.gap) < 1e-5f);
    CHECK(row_max(P.gap_pos) > 1e-2f);
  }
  CHECK_THROWS_WITH_AS(tut::multi_head(x, w, 3),
                       "multi_head: 3 heads do not divide the model width 4", ag::Error);
}

TEST_CASE("08 what to try: the query pixel on the background, and noise 1.0") {
  const tut::ImageAttentionLesson R = tut::lesson08_image_attention(14, 1);
  CHECK(R.map.objects.at({14, 1}) == 0.0f);  // (14, 1) is background
  const ag::Tensor attention = ag::select(R.lines.attention, 0, 0);
  for (int64_t p = 0; p < 256; ++p)  // the map is row 14·16 + 1 of attention
    CHECK(R.query_map.data()[p] == attention.at({14 * 16 + 1, p}));
  double objects = 0;
  for (float v : R.map.objects.to_vector()) objects += v;
  CHECK(objects == 49);  // the 5×5 square and the 3×8 bar
  CHECK(R.object_weight * 49 + R.background_weight * 207 == doctest::Approx(1.0).epsilon(1e-4));
  CHECK_THROWS_WITH_AS(tut::lesson08_image_attention(16, 0),
                       "lesson08_image_attention: pixel (16, 0) is outside the 16x16 map",
                       ag::Error);
  const tut::FeatureMap noisy = tut::lesson08_feature_map(1.0f), calm = tut::lesson08_feature_map();
  // The same objects; the noise part (map minus the noise-free map) is 5 times larger.
  CHECK(noisy.objects.to_vector() == calm.objects.to_vector());
  const ag::Tensor clean = tut::lesson08_feature_map(0.0f).x;
  const float calm_noise = ag::max(ag::abs(calm.x - clean)).item();
  const float loud_noise = ag::max(ag::abs(noisy.x - clean)).item();
  CHECK(loud_noise == doctest::Approx(5.0 * calm_noise).epsilon(1e-4));
}

TEST_CASE("--save: one .npy per labelled matrix, equal to what was printed, and steps.json") {
  const fs::path dir = fs::temp_directory_path() / ("ag_save_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  tut::set_save_dir(dir.string());
  const tut::EncoderLesson L = tut::lesson02_encoder();
  const tut::Labels words = tut::tokenize(tut::kEnglishSentence);
  const std::string printed = captured([&] {
    tut::heading("Step 2a: each vector as its own query, key and value");
    tut::show_matrix("weights = softmax of each row (rows sum to 1)", L.plain.weights, words,
                     words);
    tut::show_vector("row sums (should be 1)", L.document_row_sums, words);
  });
  tut::set_save_dir("");
  const ag::Tensor weights =
      ag::io::load_npy((dir / "001_weights_softmax_of_each_row_rows_sum_to_1.npy").string());
  const ag::Tensor sums = ag::io::load_npy((dir / "002_row_sums_should_be_1.npy").string());
  CHECK(weights.shape() == ag::Shape{4, 4});
  CHECK(sums.shape() == ag::Shape{4});
  CHECK(weights.to_vector() == L.plain.weights.to_vector());  // full precision
  // Each saved value, at 4 decimals, is in the printed text, row by row.
  for (int64_t i = 0; i < 4; ++i) {
    INFO(printed);
    CHECK(printed.find(tut::fmt(weights.at({i, 0})) + "   " + tut::fmt(weights.at({i, 1}))) !=
          std::string::npos);
  }
  for (int64_t j = 0; j < 4; ++j)
    CHECK(printed.find(tut::fmt(sums.data()[j])) != std::string::npos);
  const ag::io::JsonValue index =
      ag::io::parse_json(ag::io::read_file((dir / "steps.json").string()));
  REQUIRE(index.array.size() == 2);
  CHECK(index.array[0].find("file")->string == "001_weights_softmax_of_each_row_rows_sum_to_1.npy");
  CHECK(index.array[0].find("step")->string ==
        "Step 2a: each vector as its own query, key and value");
  CHECK(index.array[0].find("rows")->array[3].string == "student");
  CHECK(index.array[1].find("shape")->array.size() == 1);
  fs::remove_all(dir);
  CHECK(tut::label_slug("scaled = scores / √2") == "scaled_scores_2");
}

TEST_CASE("article quotes: each is the article's own text, and tutorials 01-09 quote it") {
  const fs::path repo = repo_root();
  std::string all_sources;
  for (int n = 1; n <= 9; ++n)
    for (const auto& entry : fs::directory_iterator(repo / "tutorials")) {
      const std::string name = entry.path().filename().string();
      char prefix[16];  // room for any int: g++ checks the format against the type
      std::snprintf(prefix, sizeof prefix, "%02d_", n);
      if (name.rfind(prefix, 0) != 0) continue;
      std::ifstream in(entry.path());
      const std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      INFO(name);
      CHECK(text.find("quote_article(\"") != std::string::npos);
      all_sources += text;
    }
  for (const tut::ArticleQuote& q : tut::article_quotes()) {
    INFO(q.key);
    std::string call = "quote_article(\"";
    call.append(q.key).append("\")");
    CHECK(all_sources.find(call) != std::string::npos);
    CHECK(std::string(q.chinese).size() > 10);
    CHECK(std::string(q.english).size() > 10);
  }
  // The article itself, when this machine has it (AG_ARTICLE names another copy).
  const char* env = std::getenv("AG_ARTICLE");
  const fs::path article = env ? env : "/work/shared/seed/000_01cd96d7ac8dc590.txt";
  if (!fs::exists(article)) {
    MESSAGE("article not found at " << article << ": checked the quotes' use only");
    return;
  }
  std::ifstream in(article);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const tut::ArticleQuote& q : tut::article_quotes()) {
    INFO(q.key);
    CHECK(text.find(q.chinese) != std::string::npos);
  }
  CHECK_THROWS_WITH_AS(tut::article_quote("99.none"),
                       "article_quote: no quote '99.none' in tutorials/common/article.cpp",
                       ag::Error);
}

}  // TEST_SUITE("tutorials")

TEST_SUITE("tutorials") {

TEST_CASE("03 what to try: -1e9 instead of -inf, and one word of look-ahead") {
  const tut::DecoderLesson L = tut::lesson03_decoder();
  const ag::Tensor mask = tut::step_causal_mask(3);
  // -1e9: e^(-1e9 - max) underflows to exactly 0 in float, so no weight changes at all.
  const ag::Tensor big_negative = tut::step_softmax(ag::masked_fill(L.masked.scaled, mask, -1e9f));
  CHECK(big_negative.to_vector() == L.masked.weights.to_vector());
  // Look-ahead of one (mask j > i + 1): "Je" may now see "suis", so changing the last word
  // ("étudiant") still moves only rows that can see it: "suis" (j = 2 = i + 1) and itself.
  ag::Tensor ahead = ag::zeros({3, 3});
  ahead.data()[0 * 3 + 2] = 1.0f;  // only Je -> étudiant stays masked
  const ag::Tensor q = L.masked.query, k = L.masked.key, v = L.masked.value;
  const tut::Attention a = tut::attend(q, k, v, ahead);
  CHECK(a.weights.at({0, 1}) > 0.0f);   // Je sees suis now
  CHECK(a.weights.at({0, 2}) == 0.0f);  // but not étudiant
  CHECK(a.weights.at({1, 2}) > 0.0f);   // suis sees étudiant: its output depends on the last word
}

TEST_CASE("04 what to try: the softmax of the document's claimed products keeps the order") {
  const tut::DocumentCheck D = tut::lesson04_document();
  const ag::Tensor claimed = ag::softmax(ag::div(D.claimed, 2.0f), 0);
  const std::vector<float> c = claimed.to_vector(), w = D.weights.to_vector();
  for (size_t i = 0; i + 1 < 4; ++i) {
    CHECK(c[i] > c[i + 1]);  // I > am > a > student, as with the correct products
    CHECK(w[i] > w[i + 1]);
  }
  // By hand: softmax([0.71, 0.52, 0.38, 0.32] / 2) and softmax([1.13, 0.88, 0.59, 0.54] / 2).
  const double claimed_hand[4] = {0.71, 0.52, 0.38, 0.32},
               correct_hand[4] = {1.13, 0.88, 0.59, 0.54};
  double zc = 0, zw = 0;
  for (int i = 0; i < 4; ++i) {
    zc += std::exp(claimed_hand[i] / 2);
    zw += std::exp(correct_hand[i] / 2);
  }
  for (int i = 0; i < 4; ++i) {
    CHECK(c[size_t(i)] == doctest::Approx(std::exp(claimed_hand[i] / 2) / zc).epsilon(1e-5));
    CHECK(w[size_t(i)] == doctest::Approx(std::exp(correct_hand[i] / 2) / zw).epsilon(1e-5));
  }
}

TEST_CASE(
    "06 what to try: steps = 100, d_model = 16, layers = 2 all train, with these parameter "
    "counts") {
  // Parameters by hand: embeddings (V_en + V_fr)·D; per layer pair an encoder layer
  // (attention 4D² + 4D, 2 norms 4D, feed-forward 2DF + F + D) and a decoder layer (two
  // attentions, 3 norms); the generator D·V_fr + V_fr. V_en = 33, V_fr = 45, F = 64.
  auto count = [](int64_t D, int64_t L) {
    const int64_t F = 64, attention = 4 * D * D + 4 * D, norm = 2 * D, ff = 2 * D * F + F + D;
    return (33 + 45) * D + L * ((attention + 2 * norm + ff) + (2 * attention + 3 * norm + ff)) +
           D * 45 + 45;
  };
  CHECK(count(32, 1) == 25357);  // the number tutorial 06 prints
  tut::TranslatorConfig short_run;
  short_run.steps = 100;
  const tut::TrainedTranslator R = tut::lesson06_train(short_run);
  CHECK(R.losses.size() == 100);
  CHECK(R.log.back().step == 100);
  CHECK(R.losses.back() < R.losses.front());
  for (int64_t d_model : {16, 32})
    for (int64_t layers : {1, 2}) {
      if (d_model == 32 && layers == 1) continue;  // the default, trained elsewhere
      tut::TranslatorConfig c;
      c.d_model = d_model;
      c.layers = layers;
      c.steps = 20;  // the suggestion's question is about size and speed: a few steps show it
      const tut::TrainedTranslator small = tut::lesson06_train(c);
      INFO("d_model " << d_model << ", layers " << layers);
      CHECK(small.num_parameters == count(d_model, layers));
      CHECK(small.losses.back() < small.losses.front());
    }
}

}  // TEST_SUITE("tutorials")
