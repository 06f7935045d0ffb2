// Tutorial 06: training a tiny Transformer to translate "I am a student".
//
//   make tutorial T=06
//   make gdb T=06               builds it at -O0 -g and opens it in gdb, then:
//   (gdb) break tut::DecoderLayer::forward
//
// The training runs in tutorials/common/lesson06.cpp (the model is in
// tiny_transformer.cpp, the sentences in corpus.cpp); this file prints it.
// tests/tutorials/test_tutorials_train.cpp reruns it and checks the translation.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "core/ag.h"
#include "nn/serialize.h"
#include "tutorials/common/article.h"
#include "tutorials/common/lesson06.h"
#include "tutorials/common/present.h"
#include "tutorials/common/sentence.h"

using namespace tut;

namespace {

void tutorial() {
  TranslatorConfig config;  // the defaults of lesson06.h, or what the options say
  config.steps = option_int("--steps", config.steps);
  config.layers = option_int("--layers", config.layers);
  config.d_model = option_int("--d-model", config.d_model);
  if (config.steps < 1 || config.layers < 1 || config.d_model < 1)
    ag::fail("--steps, --layers and --d-model must be at least 1 (got ", config.steps, ", ",
             config.layers, ", ", config.d_model, ")");
  const std::string pairs = std::to_string(corpus().size());  // 40, unless you add some
  heading("Tutorial 06: training a tiny Transformer");
  say("What you will learn: tutorials 01-05 took every matrix as given. Here a whole "
      "encoder-decoder Transformer learns its own embeddings, W_Q, W_K, W_V and the rest "
      "from " +
      pairs +
      " English-French sentence pairs, by gradient descent, until it translates "
      "\"I am a student\" into \"Je suis étudiant\" by itself.");

  heading("Step 6a: the corpus");
  say(pairs + " pairs written for this tutorial (tutorials/common/corpus.cpp). A few of them:");
  for (size_t i : {0, 7, 16, 25, 38})
    std::printf("  %-22s ->  %s\n", corpus()[i].english.c_str(), corpus()[i].french.c_str());
  const Vocabulary en = corpus_english_vocabulary(), fr = corpus_french_vocabulary();
  say("English vocabulary: " + std::to_string(en.size()) +
      " tokens, French: " + std::to_string(fr.size()) +
      " (both with <pad>, <s>, </s>). Note the traps: \"a\" "
      "disappears in \"Je suis étudiant\" but not in \"Je suis un bon étudiant\"; \"She is "
      "tired\" is \"Elle est fatiguée\", with an extra e.");
  const Batch batch = make_batch(corpus(), en, fr);
  say("All " + pairs + " pairs form one batch: source " + ag::shape_str(batch.source.shape()) +
      " (<s> words </s>, padded with <pad>), target_in and target_out " +
      ag::shape_str(batch.target_in.shape()) +
      ", the French ids shifted by one (teacher "
      "forcing, tutorial 01).");

  heading("Step 6b: the model");
  quote_article("06.model");
  std::printf("%s\n", make_translator(config)->str().c_str());
  std::fflush(stdout);
  say("One encoder layer and one decoder layer, d_model " + std::to_string(config.d_model) + ", " +
      std::to_string(config.heads) + " heads, feed-forward width " + std::to_string(config.d_ff) +
      ". The positions are tutorial 05's sinusoidal table, "
      "added to the embeddings. The decoder's self-attention uses tutorial 03's causal mask; "
      "its cross-attention is tutorial 04's. The generator turns each decoder vector into "
      "one score (logit) per French token.");

  heading("Step 6c: training");
  say("Each step: run all " + pairs +
      " pairs through the model with teacher forcing, take the "
      "cross-entropy between the logits and target_out (ignoring <pad>), backpropagate, and "
      "let Adam (lr " +
      fmt(config.lr, 3) + ") update every parameter. " + std::to_string(config.steps) +
      " steps. Every " + std::to_string(config.log_every) +
      " steps we also let the model translate \"I am a student\" on its own (greedy "
      "decoding, tutorial 07).");
  const TrainedTranslator R = lesson06_train(config);
  std::printf("\n%6s  %8s  %s\n", "step", "loss", "greedy translation of \"I am a student\"");
  for (const TrainLog& line : R.log)
    std::printf("%6lld  %8s  %s\n", static_cast<long long>(line.step), fmt(line.loss).c_str(),
                join_words(line.translation).c_str());
  const size_t columns = std::min<size_t>(50, R.losses.size());
  std::printf("\nloss, step 1 to %zu: %s\n", R.losses.size(), sparkline(R.losses, columns).c_str());
  std::fflush(stdout);
  save_tensor("loss of every step",
              ag::from_vector(R.losses, {static_cast<int64_t>(R.losses.size())}));
  std::vector<float> logged;
  Labels logged_steps;
  for (const TrainLog& line : R.log) {
    logged.push_back(line.loss);
    logged_steps.push_back("step " + std::to_string(line.step));
  }
  save_tensor("logged loss", ag::from_vector(logged, {static_cast<int64_t>(logged.size())}), {},
              logged_steps);
  say("The first loss is close to ln(" + std::to_string(fr.size()) +
      ") = " + fmt(std::log(static_cast<float>(fr.size()))) +
      ", what a model that spreads its "
      "probability evenly over the French vocabulary scores. Each character of the "
      "sparkline is the mean loss of " +
      std::to_string(R.losses.size() / columns) + " steps.");

  heading("Step 6d: the result");
  say("Parameters: " + std::to_string(R.num_parameters) + ". Final loss on the corpus: " +
      fmt(R.final_loss) + ". \"I am a student\" -> \"" + join_words(R.translation) + "\"" +
      (R.first_correct_step >= 0
           ? ", right from step " + std::to_string(R.first_correct_step) + " on."
           : ", not right yet."));
  say("Whole corpus translated word for word right: " + std::to_string(R.corpus_correct) + " of " +
      std::to_string(corpus().size()) + " pairs. (" + pairs +
      " sentences teach a model to "
      "repeat them, not to translate English: try a sentence it has never seen.)");
  const std::string path = translator_weights_path();
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  ag::nn::save_state_dict(*R.model, path);
  say("Weights saved (safetensors, written atomically) to " + path +
      ". Tutorial 07 loads them: after a run with other --steps it decodes with this model; "
      "after other --layers or --d-model the file no longer fits its model, and tutorial 07 "
      "says so and trains the default one.");

  what_to_try({
      "Run with --steps 100 (or set steps in TranslatorConfig, tutorials/common/lesson06.h): "
      "is the translation already right? At which logged step does it first come out right?",
      "Run with --layers 2 or --d-model 16 (layers, d_model in TranslatorConfig): how do the "
      "parameter count, the speed and the loss curve change?",
      "Add a pair to tutorials/common/corpus.cpp (\"I am a cat\" -> \"Je suis un chat\") and "
      "rerun: does \"I am a student\" still come out right?",
      "Question: the loss is almost 0 at the end. Does that mean the model knows French?",
  });
}

}  // namespace

int main(int argc, char** argv) {
  return run_tutorial(
      argc, argv,
      {{"--steps", "N", "Adam steps (default 200)"},
       {"--layers", "N", "encoder and decoder layers (default 1)"},
       {"--d-model", "D", "model width, divisible by the 2 heads (default 32)"}},
      "Tutorial 06 needs a model width divisible by its 2 heads, and a corpus whose every "
      "sentence uses words its vocabularies were built from (tutorials/common/corpus.cpp).",
      tutorial);
}
