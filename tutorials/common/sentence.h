// tutorials/common/sentence.h: the document's example, "I am a student" ->
// "Je suis étudiant": tokens, vocabularies, 4-dimensional embeddings, and the
// numbers the document prints (section 1.3, steps 2-4), kept here so every
// tutorial and test uses the very same figures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace tut {

inline const char* const kEnglishSentence = "I am a student";
inline const char* const kFrenchSentence = "Je suis étudiant";
inline const char* const kPad = "<pad>";
inline const char* const kStart = "<s>";
inline const char* const kEnd = "</s>";
constexpr int64_t kWidth = 4;  // the document's embeddings have 4 numbers

// The English sentence tutorials 01-05 work on: kEnglishSentence unless a
// tutorial was run with --sentence "..." (set_english_sentence). Every
// length, label and table of those tutorials follows from this one place.
const std::string& english_sentence();
void set_english_sentence(const std::string& sentence);
// Gives `word` this 4-number English vector, in place of english_vectors()'s
// row or in addition to it (what tutorial 01's --vector does; the same as
// editing that table in sentence.cpp, without recompiling).
void set_english_vector(const std::string& word, const std::vector<float>& vector);

// Splits on spaces. Real tokenizers also split punctuation and sub-words; our
// sentences have neither, so whitespace is the whole story here.
std::vector<std::string> tokenize(const std::string& sentence);
// The way back: the words with one space between them.
std::string join_words(const std::vector<std::string>& words);

// id -> token and back. Ids 0, 1, 2 are always <pad>, <s>, </s>; the words
// follow in the order they were first seen.
struct Vocabulary {
  std::vector<std::string> tokens;
  int64_t size() const { return static_cast<int64_t>(tokens.size()); }
  bool contains(const std::string& token) const;
  int64_t id(const std::string& token) const;  // ag::Error for a token it does not know
};
Vocabulary build_vocabulary(const std::vector<std::string>& words);

// <s> tokens... </s> as ids.
std::vector<int64_t> encode(const Vocabulary& vocab, const std::vector<std::string>& tokens);
// ids followed by <pad> (id 0) up to `length`; ag::Error if ids is longer.
std::vector<int64_t> pad_to(const std::vector<int64_t>& ids, int64_t length);
ag::Tensor ids_tensor(const std::vector<int64_t>& ids);  // floats, as ag::embedding takes them

// Embedding tables, one row per vocabulary id: (V, 4), each row the vector of
// that id's word. English uses the document's vectors for "I" and "am"; every
// other vector is our choice. A word without a vector is an ag::Error naming it.
ag::Tensor english_embedding_table(const Vocabulary& vocab);
ag::Tensor french_embedding_table(const Vocabulary& vocab);
ag::Tensor english_embedding_table();  // for build_vocabulary(tokenize(english_sentence()))
ag::Tensor french_embedding_table();   // for build_vocabulary(tokenize(kFrenchSentence))
// The words' vectors without <s>/</s>: English (T, 4) for english_sentence()'s
// T words (4 by default), French (3, 4).
ag::Tensor english_word_vectors();
ag::Tensor french_word_vectors();

// ---- the document's printed numbers ----
ag::Tensor document_encoder_scores();  // step 2: (4, 4), rows I, am, a, student
ag::Tensor document_decoder_scores();  // step 3: (3, 4): three words but four numbers each
ag::Tensor document_cross_query();     // step 4: the vector it uses for "Je", (4)
ag::Tensor document_cross_claimed();   // step 4: the four dot products it prints, (4)

}  // namespace tut
