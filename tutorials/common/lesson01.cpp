// tutorials/common/lesson01.cpp: tokens -> ids -> vectors.
#include "tutorials/common/lesson01.h"

#include "core/ag.h"

namespace tut {

TokensLesson lesson01_tokens(const std::string& english_sentence) {
  TokensLesson L;
  L.english = tokenize(english_sentence);
  L.french = tokenize(kFrenchSentence);
  L.english_vocab = build_vocabulary(L.english);
  L.french_vocab = build_vocabulary(L.french);
  L.english_ids = encode(L.english_vocab, L.english);
  L.french_ids = encode(L.french_vocab, L.french);
  L.decoder_input.assign(L.french_ids.begin(), L.french_ids.end() - 1);
  L.decoder_target.assign(L.french_ids.begin() + 1, L.french_ids.end());
  L.short_padded =
      pad_to(encode(L.english_vocab, tokenize("I am")), static_cast<int64_t>(L.english_ids.size()));

  // An embedding lookup is row selection: row `id` of the table.
  try {
    L.english_vectors =
        ag::embedding(english_embedding_table(L.english_vocab), ids_tensor(L.english_ids));
  } catch (const ag::Error& e) {
    L.missing_vector = e.what();  // a word the table has no row for
    return L;
  }
  L.french_vectors =
      ag::embedding(french_embedding_table(L.french_vocab), ids_tensor(L.french_ids));

  const int64_t T = static_cast<int64_t>(L.english.size());
  ag::Tensor words = ag::narrow(L.english_vectors, 0, 1, T);       // (T, 4) without <s>, </s>
  L.english_norms = ag::sqrt(ag::sum(words * words, -1));          // (T)
  ag::Tensor unit = words / ag::unsqueeze(L.english_norms, 1);     // rows of length 1
  L.english_cosine = ag::matmul(unit, ag::transpose(unit, 0, 1));  // (T, T)
  return L;
}

}  // namespace tut
