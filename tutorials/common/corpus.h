// tutorials/common/corpus.h: the small English -> French corpus that tutorial
// 06 trains on, written for these tutorials (not taken from any data set).
//
// Forty sentence pairs built around the document's example, "I am a student"
// -> "Je suis étudiant". They repeat a few patterns (I am / you are / he is
// ..., I have a ..., the ... is ...) so that the model sees every French word
// in more than one sentence, and they contain the traps a word-by-word
// translation falls into: "a" vanishes before a profession ("Je suis
// étudiant") but not after an adjective ("un bon étudiant"), "I" is "Je" or
// "J'", and the adjectives agree with the subject (fatigué / fatiguée).
//
// Shape legend: B sentence pairs in a batch, S source (English) length with
// <s> and </s>, T target (French) length of the decoder's input and target.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "tutorials/common/sentence.h"

namespace tut {

struct SentencePair {
  std::string english, french;
};

// The forty pairs; pair 0 is the document's "I am a student" -> "Je suis étudiant".
const std::vector<SentencePair>& corpus();

// Vocabularies of the whole corpus (ids 0, 1, 2 are <pad>, <s>, </s>, as in
// tutorial 01; the words follow in order of first appearance).
Vocabulary corpus_english_vocabulary();
Vocabulary corpus_french_vocabulary();

// A batch of pairs as id tensors, padded with <pad> (id 0) to the longest:
//   source          (B, S)  <s> English words </s>
//   source_padding  (B, S)  1 where source holds <pad>, else 0
//   target_in       (B, T)  <s> French words          what the decoder reads
//   target_out      (B, T)  French words </s>         what it must predict
// target_in and target_out are the same French ids shifted by one: teacher
// forcing (tutorial 01).
struct Batch {
  ag::Tensor source, source_padding, target_in, target_out;
};
Batch make_batch(const std::vector<SentencePair>& pairs, const Vocabulary& english,
                 const Vocabulary& french);

// <s> tokens </s> of one English sentence as a (1, S) tensor of ids.
ag::Tensor source_ids(const std::string& english, const Vocabulary& vocab);

}  // namespace tut
