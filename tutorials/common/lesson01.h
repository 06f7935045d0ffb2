// tutorials/common/lesson01.h: the computations of tutorial 01 (tokens and
// embeddings), apart from the printing, so tests/tutorials/test_tutorials.cpp can check
// every number the program prints.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "tutorials/common/present.h"
#include "tutorials/common/sentence.h"

namespace tut {

struct TokensLesson {
  std::vector<std::string> english, french;  // the tokens
  Vocabulary english_vocab, french_vocab;
  std::vector<int64_t> english_ids, french_ids;  // <s> words </s>
  // Teacher forcing: the decoder reads <s> Je suis étudiant and must predict
  // Je suis étudiant </s>, the same ids shifted by one.
  std::vector<int64_t> decoder_input, decoder_target;
  std::vector<std::string> short_words;  // the sentence's first two words ("I am")
  std::vector<int64_t> short_padded;     // those padded to the length of english_ids
  ag::Tensor english_vectors;            // (T+2, 4): embedding rows for <s> I am a student </s>
  ag::Tensor french_vectors;             // (5, 4): <s> Je suis étudiant </s>
  ag::Tensor english_norms;              // (T): the length ‖x‖ of each word's vector
  ag::Tensor english_cosine;             // (T, T): cos(x_i, x_j) = x_i·x_j / (‖x_i‖ ‖x_j‖)
  // Set when a word of the sentence has no vector in the embedding table (the
  // error's message); then the tensors above are undefined.
  std::string missing_vector;
};

// The lesson for an English sentence (try adding a word: tutorial 01's --sentence,
// or kEnglishSentence in sentence.h).
TokensLesson lesson01_tokens(const std::string& sentence = english_sentence());

// The command-line options of tutorials 01-05 that change the sentence:
//   --sentence "I am a good student"    the English sentence (set_english_sentence)
//   --vector "good=0.3,0.1,-0.2,0.2"    a word's vector (set_english_vector); several
//                                       words separated by ';'
std::vector<TutorialOption> sentence_options();
// Applies them (after parse_tutorial_args); a malformed --vector is an ag::Error.
void apply_sentence_options();

}  // namespace tut
