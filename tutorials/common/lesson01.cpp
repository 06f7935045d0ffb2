// tutorials/common/lesson01.cpp: tokens -> ids -> vectors.
#include "tutorials/common/lesson01.h"

#include "core/ag.h"

namespace tut {

TokensLesson lesson01_tokens() {
  TokensLesson L;
  L.english = tokenize(kEnglishSentence);
  L.french = tokenize(kFrenchSentence);
  L.english_vocab = build_vocabulary(L.english);
  L.french_vocab = build_vocabulary(L.french);
  L.english_ids = encode(L.english_vocab, L.english);
  L.french_ids = encode(L.french_vocab, L.french);
  L.decoder_input.assign(L.french_ids.begin(), L.french_ids.end() - 1);
  L.decoder_target.assign(L.french_ids.begin() + 1, L.french_ids.end());
  L.short_padded = pad_to(encode(L.english_vocab, tokenize("I am")),
                          static_cast<int64_t>(L.english_ids.size()));

  // An embedding lookup is row selection: row `id` of the table.
  L.english_vectors = ag::embedding(english_embedding_table(), ids_tensor(L.english_ids));
  L.french_vectors = ag::embedding(french_embedding_table(), ids_tensor(L.french_ids));

  ag::Tensor words = english_word_vectors();                              // (4, 4)
  L.english_norms = ag::sqrt(ag::sum(words * words, -1));                 // (4)
  ag::Tensor unit = words / ag::unsqueeze(L.english_norms, 1);            // rows of length 1
  L.english_cosine = ag::matmul(unit, ag::transpose(unit, 0, 1));         // (4, 4)
  return L;
}

}  // namespace tut
