// tests/helpers/train_test_util.h: what the build/train suites share
// (tests/tutorials/test_train.cpp and test_train_checkpoint.cpp): a tiny
// network, a tiny run of it, and ways to run, break and rewrite checkpoints.
//
// The runs use a tiny conv net (conv, BatchNorm, pool, linear: BatchNorm's
// running statistics must survive the checkpoint too) on 64 synthetic
// images, with one thread, so a whole run takes a fraction of a second.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/ag.h"
#include "core/io/safetensors.h"
#include "nn/nn.h"
#include "tests/helpers/data_test_util.h"
#include "tutorials/common/trainer.h"

namespace ag::train_test {

class TinyNet : public nn::UnaryModule {
 public:
  TinyNet(int64_t channels, int64_t classes) : UnaryModule("TinyNet") {
    conv = register_module(
        "conv", std::make_shared<nn::Conv2d>(channels, 4, 3, Conv2dOptions().padding(1)));
    bn = register_module("bn", std::make_shared<nn::BatchNorm2d>(4));
    fc = register_module("fc", std::make_shared<nn::Linear>(4 * 2 * 2, classes));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = relu(bn(conv(x)));           // (B, 4, 16, 16)
    h = adaptive_avg_pool2d(h, 2, 2);       // (B, 4, 2, 2)
    return fc(h.reshape({h.size(0), -1}));  // (B, K)
  }
  nn::ModuleHolder<nn::Conv2d> conv;
  nn::ModuleHolder<nn::BatchNorm2d> bn;
  nn::ModuleHolder<nn::Linear> fc;
};

inline std::shared_ptr<nn::UnaryModule> tiny(const Shape& input, int64_t classes) {
  return std::make_shared<TinyNet>(input[0], classes);
}

// Two epochs of 4 steps (64 images, batches of 16), written to `out`.
inline train::TrainConfig tiny_run(const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {
      "--dataset",    "synthetic", "--limit",   "64", "--test-limit", "20", "--epochs", "2",
      "--batch-size", "16",        "--threads", "1",  "--seed",       "11", "--lr",     "0.01",
      "--out",        out,         "--augment"};
  args.insert(args.end(), extra.begin(), extra.end());
  return train::parse_train_args(args);
}

inline std::string usage_error_of(const std::vector<std::string>& args) {
  try {
    train::parse_train_args(args);
  } catch (const train::UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The error of running `config`, of any kind, or "(no error)".
inline std::string run_error_of(const train::TrainConfig& config) {
  std::ostringstream log;
  try {
    train::run_training(config, log, tiny);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

// A checkpoint after one step of the tiny run, in dir/run.
inline std::string one_step_checkpoint(const test::TempDir& dir) {
  std::ostringstream log;
  train::run_training(tiny_run(dir.file("run"), {"--stop-after", "1"}), log, tiny);
  return dir.file("run") + "/checkpoint.safetensors";
}

// Loads the checkpoint at path, lets `change` edit it, and saves it back
// (I64 tensors stay I64).
inline void rewrite_checkpoint(const std::string& path,
                               const std::function<void(io::SafetensorsFile&)>& change) {
  io::SafetensorsFile file = io::load_safetensors_file(path);
  change(file);
  std::set<std::string> int64_names;
  for (const auto& [name, dtype] : file.dtypes)
    if (dtype == "I64") int64_names.insert(name);
  io::save_safetensors(path, file.tensors, file.metadata, int64_names);
}

inline void set_metadata(const std::string& path, const std::string& key,
                         const std::string& value) {
  rewrite_checkpoint(path, [&](io::SafetensorsFile& file) { file.metadata[key] = value; });
}

}  // namespace ag::train_test
