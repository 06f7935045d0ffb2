// tutorials/common/lesson06.h: the computations of tutorial 06 (training the
// tiny Transformer on the tutorial corpus), apart from the printing, so
// tests/tutorials/test_tutorials_train.cpp can check what the program prints.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tutorials/common/corpus.h"
#include "tutorials/common/tiny_transformer.h"

namespace tut {

struct TranslatorConfig {
  int64_t steps = 200;     // Adam steps, each on the whole corpus (one batch of 40 pairs)
  float lr = 1e-3f;        // Adam's learning rate
  int64_t log_every = 10;  // print the loss and the current translation this often
  uint64_t seed = 6;       // seeds the model's initial parameters
  int64_t d_model = 32, heads = 2, d_ff = 64, layers = 1;
};

// One line of the training log.
struct TrainLog {
  int64_t step = 0;                      // steps taken before this line
  float loss = 0.0f;                     // the loss at that step
  std::vector<std::string> translation;  // greedy translation of "I am a student" then
};

struct TrainedTranslator {
  Vocabulary english, french;
  std::shared_ptr<TinyTransformer> model;
  int64_t num_parameters = 0;
  std::vector<float> losses;             // losses[i]: the loss step i+1 computed its gradient from
  std::vector<TrainLog> log;             // every log_every steps, and after the last step
  int64_t first_correct_step = -1;       // first logged step translating "I am a student" right
  float final_loss = 0.0f;               // the loss of the trained model on the corpus
  ag::Tensor final_logits;               // (B, T, V_fr) the trained model's logits on the corpus
  std::vector<std::string> translation;  // the trained model's "I am a student"
  int64_t corpus_correct = 0;            // corpus pairs the trained model translates exactly
};

// A fresh model sized for the corpus vocabularies (seeded by config.seed).
std::shared_ptr<TinyTransformer> make_translator(const TranslatorConfig& config);
// Trains a fresh model with Adam; teacher forcing, cross-entropy ignoring <pad>.
TrainedTranslator lesson06_train(const TranslatorConfig& config = TranslatorConfig());

// The mean cross-entropy of logits (B, T, V) against target ids (B, T), <pad> ignored.
ag::Tensor translation_loss(const ag::Tensor& logits, const ag::Tensor& target_out);
// Greedy translation of an English sentence (words, without </s>).
std::vector<std::string> translate(TinyTransformer& model, const std::string& english,
                                   const Vocabulary& english_vocab, const Vocabulary& french_vocab);

// Where tutorial 06 saves the weights and tutorial 07 loads them:
// <output_dir()>/06_tiny_transformer.safetensors.
std::string translator_weights_path();

// Text sparkline of a curve: `width` characters ▁▂▃▄▅▆▇█, each the mean of its
// share of the values, scaled between the smallest and largest of those means.
std::string sparkline(const std::vector<float>& values, size_t width);

}  // namespace tut
