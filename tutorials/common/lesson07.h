// tutorials/common/lesson07.h: the computations of tutorial 07 (greedy
// decoding with the model trained in tutorial 06), apart from the printing,
// so tests/test_tutorials_train.cpp can check every number the program prints.
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
};

struct DecodingLesson {
  Vocabulary english, french;
  std::vector<std::string> source_tokens;  // <s> I am a student </s>
  Greedy greedy;                           // every step of the decoding
  ag::Tensor cross_map;                    // (steps, S): row k = step k's cross-attention
  std::string chinese_error;               // what french.id("我") says
  std::vector<QuickTranslation> others;    // more sentences, seen and unseen
};
DecodingLesson lesson07_decode(TinyTransformer& model);

}  // namespace tut
