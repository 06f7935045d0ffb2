// tutorials/common/lesson07.h: the computations of tutorial 07 (greedy
// decoding with the model trained in tutorial 06), apart from the printing,
// so tests/tutorials/test_tutorials_train.cpp can check every number the program prints.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tutorials/common/lesson06.h"
#include "tutorials/common/tiny_transformer.h"

namespace tut {

// Tutorial 06's model: its saved weights when translator_weights_path() holds
// them, else trained right now with lesson06_train. `how` says which happened.
std::shared_ptr<TinyTransformer> load_or_train_translator(std::string& how);

// A sentence decoded without the step-by-step detail.
struct QuickTranslation {
  std::string english;
  std::vector<std::string> french;  // greedy output, without </s>
  bool in_corpus = false;           // was this pair in the training corpus?
  // The translation the corpus itself teaches (its pair for a corpus sentence;
  // for a new one, built from corpus pairs that show each part, see `why`).
  std::string reference;
  std::string why;             // which corpus pairs give the reference its words
  bool has_reference = false;  // false: no reference given, so not marked
  bool correct = false;        // french == reference, word for word
  // For a wrong one, the first position where greedy left the reference: the
  // token it chose and the reference's token there, with their probabilities.
  size_t first_wrong = 0;
  std::string chosen, expected;
  float chosen_prob = 0, expected_prob = 0;
};

// Greedy decoding of `english`, marked against `reference` (French words;
// the corpus's own pair when the sentence is in the corpus; "" for none: then
// has_reference is false and nothing is marked). An English word the corpus
// never uses is an ag::Error naming it.
QuickTranslation quick_translation(TinyTransformer& model, const std::string& english,
                                   const std::string& reference, const std::string& why,
                                   const Vocabulary& english_vocab, const Vocabulary& french_vocab);

struct DecodingLesson {
  Vocabulary english, french;
  std::string sentence;                    // the English sentence decoded step by step
  std::vector<std::string> source_tokens;  // <s> I am a student </s>
  Greedy greedy;                           // every step of the decoding
  ag::Tensor cross_map;                    // (steps, S): row k = step k's cross-attention
  std::string chinese_error;               // what french.id("我") says
  std::vector<QuickTranslation> others;    // more sentences, seen and unseen
  // The decoder run once more on the last prefix (<s> Je suis étudiant): row t of
  // each (H, T, S) tensor is where position t looks when it predicts token t+1.
  std::vector<ag::Tensor> cross_heads;  // one per decoder layer: (H, T, S)
  std::vector<std::string> predicted;   // the T tokens those rows predict: Je suis étudiant </s>
};
// Decodes `sentence` step by step ("I am a student" by default), then the probes.
DecodingLesson lesson07_decode(TinyTransformer& model,
                               const std::string& sentence = kEnglishSentence);

}  // namespace tut
