// tutorials/common/sentence.cpp: the example sentence pair and its numbers.
#include "tutorials/common/sentence.h"

#include <sstream>

#include "core/ag.h"

namespace tut {

namespace {
std::string& current_english_sentence() {
  static std::string sentence = kEnglishSentence;
  return sentence;
}
}  // namespace

const std::string& english_sentence() { return current_english_sentence(); }
void set_english_sentence(const std::string& sentence) { current_english_sentence() = sentence; }

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

namespace {

struct WordVector {
  const char* word;
  float v[4];
};

// One vector per word; a vocabulary's table takes its rows from here by word,
// so adding a word to a sentence cannot shift the other words' rows.
const std::vector<WordVector>& english_vectors() {
  static const std::vector<WordVector> table = {
      {"<pad>", {0.0f, 0.0f, 0.0f, 0.0f}},     // zeros by convention (ours)
      {"<s>", {0.5f, -0.5f, 0.5f, -0.5f}},     // ours
      {"</s>", {-0.5f, 0.5f, -0.5f, 0.5f}},    // ours
      {"I", {0.1f, 0.2f, -0.3f, 0.4f}},        // the document's
      {"am", {0.2f, 0.3f, -0.4f, 0.5f}},       // the document's
      {"a", {-0.4f, 0.1f, 0.3f, -0.2f}},       // ours
      {"student", {0.6f, -0.3f, 0.2f, 0.2f}},  // ours
  };
  return table;
}

const std::vector<WordVector>& french_vectors() {
  static const std::vector<WordVector> table = {
      // all ours: the document gives no French vectors
      {"<pad>", {0.0f, 0.0f, 0.0f, 0.0f}},  {"<s>", {0.5f, -0.5f, 0.5f, -0.5f}},
      {"</s>", {-0.5f, 0.5f, -0.5f, 0.5f}}, {"Je", {0.3f, 0.1f, -0.2f, 0.4f}},
      {"suis", {-0.1f, 0.4f, 0.2f, 0.3f}},  {"étudiant", {0.5f, -0.2f, 0.3f, 0.1f}},
  };
  return table;
}

// Vectors given with set_english_vector, which win over the table's.
std::vector<std::pair<std::string, std::vector<float>>>& english_overrides() {
  static std::vector<std::pair<std::string, std::vector<float>>> overrides;
  return overrides;
}

ag::Tensor table_for(const Vocabulary& vocab, const std::vector<WordVector>& vectors,
                     const char* language) {
  const bool english = std::string(language) == "english";
  std::vector<float> rows;
  for (int64_t id = 0; id < vocab.size(); ++id) {
    const std::string& word = vocab.tokens[static_cast<size_t>(id)];
    const std::vector<float>* given = nullptr;
    for (const auto& [w, v] : english_overrides())
      if (english && w == word) given = &v;
    if (given) {
      rows.insert(rows.end(), given->begin(), given->end());
      continue;
    }
    const WordVector* found = nullptr;
    for (const WordVector& wv : vectors)
      if (word == wv.word) found = &wv;
    if (!found)
      ag::fail(language, " embedding table: \"", word, "\" (id ", id,
               ") has no vector; give it "
               "one in ",
               language, "_vectors() in tutorials/common/sentence.cpp");
    rows.insert(rows.end(), found->v, found->v + kWidth);
  }
  return ag::from_vector(rows, {vocab.size(), kWidth});
}

}  // namespace

void set_english_vector(const std::string& word, const std::vector<float>& vector) {
  if (static_cast<int64_t>(vector.size()) != kWidth)
    ag::fail("set_english_vector: \"", word, "\" needs ", kWidth, " numbers, got ", vector.size());
  english_overrides().emplace_back(word, vector);
}

ag::Tensor english_embedding_table(const Vocabulary& vocab) {
  return table_for(vocab, english_vectors(), "english");
}
ag::Tensor french_embedding_table(const Vocabulary& vocab) {
  return table_for(vocab, french_vectors(), "french");
}
ag::Tensor english_embedding_table() {
  return english_embedding_table(build_vocabulary(tokenize(english_sentence())));
}
ag::Tensor french_embedding_table() {
  return french_embedding_table(build_vocabulary(tokenize(kFrenchSentence)));
}

ag::Tensor english_word_vectors() {
  const std::vector<std::string> words = tokenize(english_sentence());
  const Vocabulary vocab = build_vocabulary(words);
  std::vector<int64_t> ids;
  for (const auto& w : words) ids.push_back(vocab.id(w));
  return ag::embedding(english_embedding_table(vocab), ids_tensor(ids));
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
