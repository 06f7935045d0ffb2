// tutorials/page/page_steps.cpp: tutorials 01-05 as page views (page_data.h).
#include "tutorials/page/page_data.h"

#include "core/ag.h"
#include "tutorials/common/lesson01.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/lesson03.h"
#include "tutorials/common/lesson04.h"
#include "tutorials/common/lesson05.h"
#include "tutorials/common/sentence.h"
#include "tutorials/page/captions.h"

namespace page {
namespace {

Matrix values(const std::string& view, const std::string& name, const ag::Tensor& t,
              const Labels& rows, const Labels& cols, const std::string& formula) {
  Matrix m = make_matrix(view, name, t, rows, cols, formula);
  m.caption = values_caption(m);
  return m;
}
Matrix weights(const std::string& view, const std::string& name, const ag::Tensor& t,
               const Labels& rows, const Labels& cols, const std::string& formula) {
  Matrix m = make_matrix(view, name, t, rows, cols, formula);
  m.caption = weights_caption(m);
  return m;
}

}  // namespace

EditableInput default_input() {
  EditableInput in;
  in.words = tut::tokenize(tut::kEnglishSentence);
  const ag::Tensor x = tut::english_word_vectors();
  for (int64_t r = 0; r < x.size(0); ++r)
    in.embeddings.emplace_back(x.data() + r * x.size(1), x.data() + (r + 1) * x.size(1));
  return in;
}

std::vector<View> step_views(const StepsOptions& options) {
  std::vector<View> views;
  const Labels english = tut::tokenize(tut::kEnglishSentence);
  const Labels french = tut::tokenize(tut::kFrenchSentence);
  const Labels d = dims(tut::kWidth);
  const std::string width = std::to_string(tut::kWidth);  // d_k of one head of width kWidth
  // W_Q, W_K, W_V of 02 and 05: kWeightScale times seeded normal numbers.
  const std::string stand_in = "seeded N(0, 1) × " + number(tut::kWeightScale) + ": a stand-in";

  // ---- 01: tokens and embeddings
  const tut::TokensLesson L1 = tut::lesson01_tokens();
  auto with_ends = [](Labels words) {  // <s> words </s>, the rows of the embedding lookups
    words.insert(words.begin(), tut::kStart);
    words.push_back(tut::kEnd);
    return words;
  };
  View v01 = make_view("01-embeddings", "01 · Tokens and embeddings",
                       "Each token is looked up in an embedding table: one row of " +
                           std::to_string(tut::kWidth) + " numbers per word.");
  v01.matrices.push_back(values(v01.id, "english", L1.english_vectors, with_ends(L1.english), d,
                                "rows of the English embedding table"));
  v01.matrices.push_back(values(v01.id, "french", L1.french_vectors, with_ends(L1.french), d,
                                "rows of the French embedding table"));
  v01.matrices.push_back(values(v01.id, "cosine", L1.english_cosine, english, english,
                                "cos(x_i, x_j) = x_i·x_j / (‖x_i‖ ‖x_j‖)"));
  views.push_back(v01);

  // ---- 02: encoder self-attention with W_Q, W_K, W_V
  const tut::EncoderLesson L2 = tut::lesson02_encoder();
  const tut::Attention a = options.mask == "causal"
                               ? tut::attend(L2.learned.query, L2.learned.key, L2.learned.value,
                                             tut::step_causal_mask(L2.x.size(0)))
                               : L2.learned;
  View qkv =
      make_view("02-qkv", "02 · Query, key, value",
                "Three learned matrices turn each word vector into a query, a key and a value.");
  qkv.matrices.push_back(values(qkv.id, "x", L2.x, english, d, "x: the word vectors (01)"));
  qkv.matrices.push_back(values(qkv.id, "W_Q", L2.W_Q, d, d, stand_in));
  qkv.matrices.push_back(values(qkv.id, "W_K", L2.W_K, d, d, stand_in));
  qkv.matrices.push_back(values(qkv.id, "W_V", L2.W_V, d, d, stand_in));
  qkv.matrices.push_back(values(qkv.id, "query", a.query, english, d, "query = x · W_Q"));
  qkv.matrices.push_back(values(qkv.id, "key", a.key, english, d, "key = x · W_K"));
  qkv.matrices.push_back(values(qkv.id, "value", a.value, english, d, "value = x · W_V"));
  views.push_back(qkv);
  View scores = make_view("02-scores", "02 · Scores", "How well each query matches each key.");
  scores.matrices.push_back(
      values(scores.id, "scores", a.scores, english, english, "scores = query · keyᵀ"));
  views.push_back(scores);
  View scaled = make_view("02-scaled", "02 · Scaled by √d",
                          "Dividing by √d keeps the softmax out of saturation.");
  scaled.matrices.push_back(
      values(scaled.id, "scaled", a.scaled, english, english, "scaled = scores / √" + width));
  if (a.masked.defined())
    scaled.matrices.push_back(values(scaled.id, "masked", a.masked, english, english,
                                     "masked = scaled, −∞ where a key comes after the query"));
  views.push_back(scaled);
  View w02 = make_view("02-weights", "02 · Softmax", "Each row becomes weights that sum to 1.");
  w02.matrices.push_back(weights(w02.id, "weights", a.weights, english, english,
                                 a.masked.defined() ? "weights = softmax(masked) over each row"
                                                    : "weights = softmax(scaled) over each row"));
  views.push_back(w02);
  View out = make_view("02-out", "02 · Weighted sum",
                       "Each word's output is a weighted average of values.");
  out.matrices.push_back(values(out.id, "out", a.out, english, d, "out = weights · value"));
  views.push_back(out);

  // ---- 03: masked decoder self-attention
  const tut::DecoderLesson L3 = tut::lesson03_decoder();
  View v03 = make_view("03-mask", "03 · Masked decoder self-attention",
                       "A French word may look only at itself and the words before it.");
  v03.matrices.push_back(values(v03.id, "y", L3.y, french, d, "y: the French word vectors"));
  v03.matrices.push_back(
      values(v03.id, "mask", L3.mask, french, french, "mask = 1 where the key is in the future"));
  v03.matrices.push_back(values(v03.id, "scaled", L3.masked.scaled, french, french,
                                "scaled = (y W_Q)(y W_K)ᵀ / √" + width));
  v03.matrices.push_back(values(v03.id, "masked", L3.masked.masked, french, french,
                                "masked = scaled, −∞ where mask = 1"));
  v03.matrices.push_back(weights(v03.id, "weights", L3.masked.weights, french, french,
                                 "weights = softmax(masked) over each row"));
  v03.matrices.push_back(
      values(v03.id, "out", L3.masked.out, french, d, "out = weights · (y W_V)"));
  views.push_back(v03);

  // ---- 04: cross-attention
  const tut::CrossLesson L4 = tut::lesson04_cross();
  View v04 =
      make_view("04-cross", "04 · Cross-attention",
                "French queries read the English sentence: keys and values come from the encoder.");
  v04.matrices.push_back(values(v04.id, "decoder", L4.decoder, french, d, "03's out"));
  v04.matrices.push_back(values(v04.id, "memory", L4.memory, english, d, "02's out"));
  v04.matrices.push_back(
      values(v04.id, "query", L4.cross.query, french, d, "query = decoder · W_Q"));
  v04.matrices.push_back(values(v04.id, "key", L4.cross.key, english, d, "key = memory · W_K"));
  v04.matrices.push_back(values(v04.id, "scaled", L4.cross.scaled, french, english,
                                "scaled = query · keyᵀ / √" + width));
  v04.matrices.push_back(weights(v04.id, "weights", L4.cross.weights, french, english,
                                 "weights = softmax(scaled) over each row"));
  v04.matrices.push_back(
      values(v04.id, "out", L4.cross.out, french, d, "out = weights · (memory · W_V)"));
  views.push_back(v04);

  // ---- 05: multi-head attention
  const tut::MultiHeadWeights W5 = tut::lesson05_weights();
  const tut::MultiHead M = tut::multi_head(tut::english_word_vectors(), W5, options.heads);
  View v05 = make_view("05-heads", "05 · Multi-head attention",
                       std::to_string(options.heads) + " heads of width " +
                           std::to_string(tut::kWidth / options.heads) +
                           " each attend on their own slice of the projections, then are joined.");
  v05.matrices.push_back(values(v05.id, "W_Q", W5.W_Q, d, d, stand_in));
  v05.matrices.push_back(values(v05.id, "W_K", W5.W_K, d, d, stand_in));
  v05.matrices.push_back(values(v05.id, "W_V", W5.W_V, d, d, stand_in));
  v05.matrices.push_back(values(v05.id, "W_O", W5.W_O, d, d,
                                "seeded stand-in for a learned matrix (lesson05_weights)"));
  const Labels head_dims = tut::head_dim_labels(options.heads);
  for (int64_t h = 0; h < options.heads; ++h) {
    std::string head = "h";  // appended, not "h" + ...: g++ 12's false -Wstringop-overflow
    head += std::to_string(h);
    v05.matrices.push_back(values(v05.id, "query-" + head, ag::select(M.q_heads, 0, h), english,
                                  head_dims,
                                  "head " + std::to_string(h) + "'s columns of x · W_Q"));
    v05.matrices.push_back(
        weights(v05.id, "weights-" + head, ag::select(M.heads.weights, 0, h), english, english,
                "softmax(q_h · k_hᵀ / √" + std::to_string(tut::kWidth / options.heads) + ")"));
  }
  v05.matrices.push_back(values(v05.id, "concat", M.concat, english,
                                tut::head_column_labels(options.heads),
                                "concat = the heads' outputs side by side"));
  v05.matrices.push_back(values(v05.id, "out", M.out, english, d, "out = concat · W_O"));
  views.push_back(v05);
  return views;
}

}  // namespace page
