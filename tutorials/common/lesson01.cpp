// tutorials/common/lesson01.cpp: tokens -> ids -> vectors.
#include "tutorials/common/lesson01.h"

#include <algorithm>
#include <sstream>

#include "core/ag.h"
#include "tutorials/common/present.h"

namespace tut {

TokensLesson lesson01_tokens(const std::string& sentence) {
  TokensLesson L;
  L.english = tokenize(sentence);
  L.french = tokenize(kFrenchSentence);
  L.english_vocab = build_vocabulary(L.english);
  L.french_vocab = build_vocabulary(L.french);
  L.english_ids = encode(L.english_vocab, L.english);
  L.french_ids = encode(L.french_vocab, L.french);
  L.decoder_input.assign(L.french_ids.begin(), L.french_ids.end() - 1);
  L.decoder_target.assign(L.french_ids.begin() + 1, L.french_ids.end());
  L.short_words.assign(L.english.begin(),
                       L.english.begin() + std::min<size_t>(2, L.english.size()));
  L.short_padded =
      pad_to(encode(L.english_vocab, L.short_words), static_cast<int64_t>(L.english_ids.size()));

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

std::vector<TutorialOption> sentence_options() {
  return {{"--sentence", "\"WORDS\"",
           "the English sentence (default \"I am a student\"); tutorials 01-05 all take it"},
          {"--vector", "\"WORD=a,b,c,d\"",
           "give WORD this embedding vector (several: separate them with ';')"}};
}

void apply_sentence_options() {
  if (option_given("--sentence")) {
    const std::string sentence = option_text("--sentence", "");
    if (tokenize(sentence).empty()) ag::fail("--sentence: '", sentence, "' has no words");
    set_english_sentence(sentence);
  }
  std::istringstream entries(option_text("--vector", ""));
  for (std::string entry; std::getline(entries, entry, ';');) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0)
      ag::fail("--vector: expected WORD=a,b,c,d, got '", entry, "'");
    std::vector<float> numbers;
    std::istringstream values(entry.substr(eq + 1));
    for (std::string v; std::getline(values, v, ',');) {
      try {
        numbers.push_back(std::stof(v));
      } catch (const std::exception&) {
        ag::fail("--vector: '", v, "' in '", entry, "' is not a number");
      }
    }
    set_english_vector(entry.substr(0, eq), numbers);
  }
}

}  // namespace tut
