// tutorials/common/lesson04.cpp: cross-attention, and the document's step 4 redone.
#include "tutorials/common/lesson04.h"

#include <algorithm>

#include "core/ag.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/lesson03.h"
#include "tutorials/common/sentence.h"

namespace tut {
namespace {

// t without entry `index` along `dim`: the pieces before and after it, glued.
ag::Tensor drop(const ag::Tensor& t, int64_t dim, int64_t index) {
  return ag::cat(
      {ag::narrow(t, dim, 0, index), ag::narrow(t, dim, index + 1, t.size(dim) - index - 1)}, dim);
}

}  // namespace

DocumentCheck lesson04_document() {
  DocumentCheck D;
  D.query = document_cross_query();
  D.keys = document_encoder_scores();
  D.products = D.keys * D.query;  // (4, 4) * (4) broadcasts: row k holds q_d · k_d
  D.correct = ag::sum(D.products, -1);
  D.claimed = document_cross_claimed();
  D.comparison = ag::stack({D.claimed, D.correct, D.correct - D.claimed}, 1);
  D.weights = step_softmax(step_scale(D.correct, kWidth));
  return D;
}

CrossLesson lesson04_cross() {
  CrossLesson C;
  C.memory = lesson02_encoder().learned.out;
  C.decoder = lesson03_decoder().masked.out;
  C.W_Q = seeded_matrix(kWidth, kWidth, kCrossSeed, kCrossWeightScale);
  C.W_K = seeded_matrix(kWidth, kWidth, kCrossSeed + 1, kCrossWeightScale);
  C.W_V = seeded_matrix(kWidth, kWidth, kCrossSeed + 2, kCrossWeightScale);
  // No mask: the whole English sentence is known before the first French word.
  const ag::Tensor query = ag::matmul(C.decoder, C.W_Q);
  const ag::Tensor key = ag::matmul(C.memory, C.W_K), value = ag::matmul(C.memory, C.W_V);
  C.cross = attend(query, key, value);
  C.received = ag::sum(C.cross.weights, 0);

  // Drop "a" (English position 2 in "I am a student") from the keys and values.
  const std::vector<std::string> words = tokenize(english_sentence());
  const auto found = std::find(words.begin(), words.end(), "a");
  if (found == words.end() || words.size() < 2) return C;  // no "a", or nothing would remain
  const int64_t a = found - words.begin();
  C.a_position = a;
  C.without_a = attend(query, drop(key, 0, a), drop(value, 0, a));
  const ag::Tensor w = C.cross.weights;
  C.renormalised = drop(w, 1, a) / (1.0f - ag::narrow(w, 1, a, 1));
  return C;
}

}  // namespace tut
