// tutorials/common/sentence.cpp: the example sentence pair and its numbers.
#include "tutorials/common/sentence.h"

#include <sstream>

#include "core/ag.h"

namespace tut {

std::vector<std::string> tokenize(const std::string& sentence) {
  std::istringstream in(sentence);
  std::vector<std::string> tokens;
  for (std::string word; in >> word;) tokens.push_back(word);
  return tokens;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string sentence;
  for (const auto& word : words) sentence += (sentence.empty() ? "" : " ") + word;
  return sentence;
}

bool Vocabulary::contains(const std::string& token) const {
  for (const auto& t : tokens)
    if (t == token) return true;
  return false;
}

int64_t Vocabulary::id(const std::string& token) const {
  for (int64_t i = 0; i < size(); ++i)
    if (tokens[i] == token) return i;
  ag::fail("Vocabulary::id: token '", token, "' is not in the vocabulary of ", size(), " tokens");
}

Vocabulary build_vocabulary(const std::vector<std::string>& words) {
  Vocabulary v;
  v.tokens = {kPad, kStart, kEnd};
  for (const auto& w : words)
    if (!v.contains(w)) v.tokens.push_back(w);
  return v;
}

std::vector<int64_t> encode(const Vocabulary& vocab, const std::vector<std::string>& tokens) {
  std::vector<int64_t> ids = {vocab.id(kStart)};
  for (const auto& t : tokens) ids.push_back(vocab.id(t));
  ids.push_back(vocab.id(kEnd));
  return ids;
}

std::vector<int64_t> pad_to(const std::vector<int64_t>& ids, int64_t length) {
  if (static_cast<int64_t>(ids.size()) > length)
    ag::fail("pad_to: ", ids.size(), " ids do not fit in length ", length);
  std::vector<int64_t> out = ids;
  out.resize(static_cast<size_t>(length), 0);  // 0 is <pad>
  return out;
}

ag::Tensor ids_tensor(const std::vector<int64_t>& ids) {
  std::vector<float> values(ids.begin(), ids.end());
  return ag::from_vector(values, {static_cast<int64_t>(ids.size())});
}

ag::Tensor english_embedding_table() {
  return ag::tensor({
      {0.0f, 0.0f, 0.0f, 0.0f},      // <pad>: zeros by convention (ours)
      {0.5f, -0.5f, 0.5f, -0.5f},    // <s>       (ours)
      {-0.5f, 0.5f, -0.5f, 0.5f},    // </s>      (ours)
      {0.1f, 0.2f, -0.3f, 0.4f},     // I         (the document's)
      {0.2f, 0.3f, -0.4f, 0.5f},     // am        (the document's)
      {-0.4f, 0.1f, 0.3f, -0.2f},    // a         (ours)
      {0.6f, -0.3f, 0.2f, 0.2f},     // student   (ours)
  });
}

ag::Tensor french_embedding_table() {
  return ag::tensor({
      {0.0f, 0.0f, 0.0f, 0.0f},      // <pad>
      {0.5f, -0.5f, 0.5f, -0.5f},    // <s>
      {-0.5f, 0.5f, -0.5f, 0.5f},    // </s>
      {0.3f, 0.1f, -0.2f, 0.4f},     // Je
      {-0.1f, 0.4f, 0.2f, 0.3f},     // suis
      {0.5f, -0.2f, 0.3f, 0.1f},     // étudiant
  });  // all ours: the document gives no French vectors
}

ag::Tensor english_word_vectors() {
  const Vocabulary vocab = build_vocabulary(tokenize(kEnglishSentence));
  std::vector<int64_t> ids;
  for (const auto& w : tokenize(kEnglishSentence)) ids.push_back(vocab.id(w));
  return ag::embedding(english_embedding_table(), ids_tensor(ids));
}

ag::Tensor french_word_vectors() {
  const Vocabulary vocab = build_vocabulary(tokenize(kFrenchSentence));
  std::vector<int64_t> ids;
  for (const auto& w : tokenize(kFrenchSentence)) ids.push_back(vocab.id(w));
  return ag::embedding(french_embedding_table(), ids_tensor(ids));
}

ag::Tensor document_encoder_scores() {
  return ag::tensor({{0.9f, 0.5f, 0.2f, 0.1f},
                     {0.4f, 0.8f, 0.3f, 0.2f},
                     {0.2f, 0.3f, 0.7f, 0.4f},
                     {0.1f, 0.2f, 0.4f, 0.9f}});
}

ag::Tensor document_decoder_scores() {
  return ag::tensor({{0.9f, 0.2f, 0.1f, 0.3f}, {0.2f, 0.8f, 0.3f, 0.2f}, {0.1f, 0.2f, 0.9f, 0.1f}});
}

ag::Tensor document_cross_query() { return ag::tensor({0.9f, 0.5f, 0.2f, 0.3f}); }

ag::Tensor document_cross_claimed() { return ag::tensor({0.71f, 0.52f, 0.38f, 0.32f}); }

}  // namespace tut
