// tutorials/common/corpus.cpp: forty English -> French pairs and their batches.
#include "tutorials/common/corpus.h"

#include <algorithm>

#include "core/ag.h"

namespace tut {

const std::vector<SentencePair>& corpus() {
  static const std::vector<SentencePair> pairs = {
      {"I am a student", "Je suis étudiant"},  // the document's example, pair 0
      {"I am a teacher", "Je suis professeur"},
      {"I am a doctor", "Je suis médecin"},
      {"I am tired", "Je suis fatigué"},
      {"I am happy", "Je suis heureux"},
      {"I am here", "Je suis ici"},
      {"I am not tired", "Je ne suis pas fatigué"},
      {"I am a good student", "Je suis un bon étudiant"},
      {"You are a student", "Tu es étudiant"},
      {"You are a teacher", "Tu es professeur"},
      {"You are tired", "Tu es fatigué"},
      {"You are here", "Tu es ici"},
      {"He is a student", "Il est étudiant"},
      {"He is a doctor", "Il est médecin"},
      {"He is happy", "Il est heureux"},
      {"He is here", "Il est ici"},
      {"She is a student", "Elle est étudiante"},
      {"She is a doctor", "Elle est médecin"},
      {"She is tired", "Elle est fatiguée"},
      {"She is happy", "Elle est heureuse"},
      {"We are students", "Nous sommes étudiants"},
      {"We are tired", "Nous sommes fatigués"},
      {"We are here", "Nous sommes ici"},
      {"They are students", "Ils sont étudiants"},
      {"They are here", "Ils sont ici"},
      {"I have a cat", "J'ai un chat"},
      {"I have a dog", "J'ai un chien"},
      {"I have a book", "J'ai un livre"},
      {"You have a cat", "Tu as un chat"},
      {"He has a dog", "Il a un chien"},
      {"She has a book", "Elle a un livre"},
      {"We have a house", "Nous avons une maison"},
      {"I see a cat", "Je vois un chat"},
      {"I see the house", "Je vois la maison"},
      {"He sees a dog", "Il voit un chien"},
      {"I like the book", "J'aime le livre"},
      {"The cat is here", "Le chat est ici"},
      {"The dog is tired", "Le chien est fatigué"},
      {"The student is here", "L'étudiant est ici"},
      {"The teacher is happy", "Le professeur est heureux"},
  };
  return pairs;
}

namespace {

Vocabulary vocabulary_of(bool english) {
  std::vector<std::string> words;
  for (const auto& p : corpus())
    for (const auto& w : tokenize(english ? p.english : p.french)) words.push_back(w);
  return build_vocabulary(words);
}

// Rows of ids padded to one length, as a (B, length) float tensor.
ag::Tensor pad_rows(const std::vector<std::vector<int64_t>>& rows) {
  int64_t length = 0;
  for (const auto& r : rows) length = std::max(length, static_cast<int64_t>(r.size()));
  std::vector<float> values;
  for (const auto& r : rows)
    for (int64_t id : pad_to(r, length)) values.push_back(static_cast<float>(id));
  return ag::from_vector(values, {static_cast<int64_t>(rows.size()), length});
}

}  // namespace

Vocabulary corpus_english_vocabulary() { return vocabulary_of(true); }
Vocabulary corpus_french_vocabulary() { return vocabulary_of(false); }

Batch make_batch(const std::vector<SentencePair>& pairs, const Vocabulary& english,
                 const Vocabulary& french) {
  if (pairs.empty()) ag::fail("make_batch: no sentence pairs");
  std::vector<std::vector<int64_t>> source, target_in, target_out;
  for (const auto& p : pairs) {
    source.push_back(encode(english, tokenize(p.english)));
    const std::vector<int64_t> ids = encode(french, tokenize(p.french));  // <s> ... </s>
    target_in.emplace_back(ids.begin(), ids.end() - 1);                   // drop </s>
    target_out.emplace_back(ids.begin() + 1, ids.end());                  // drop <s>
  }
  Batch b;
  b.source = pad_rows(source);
  b.source_padding = ag::from_vector(std::vector<float>(b.source.numel()), b.source.shape());
  for (int64_t k = 0; k < b.source.numel(); ++k)
    b.source_padding.data()[k] = b.source.data()[k] == 0.0f ? 1.0f : 0.0f;  // 0 is <pad>
  b.target_in = pad_rows(target_in);
  b.target_out = pad_rows(target_out);
  return b;
}

ag::Tensor source_ids(const std::string& english, const Vocabulary& vocab) {
  const std::vector<int64_t> ids = encode(vocab, tokenize(english));
  return ids_tensor(ids).reshape({1, static_cast<int64_t>(ids.size())});
}

}  // namespace tut
