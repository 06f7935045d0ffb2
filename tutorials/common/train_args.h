// tutorials/common/train_args.h: the training program's settings and flags.
//
// build/train's command line becomes one TrainConfig. parse_train_args() is a
// plain function of the argument list, so tests call it directly; a bad flag
// or value throws UsageError, which main() prints and turns into exit code 2
// (the Unix convention for "you called me wrong").
#pragma once

#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace ag::train {

// The most threads a run may ask for: set_num_threads' own limit
// (core/kernels/parallel.cpp; tests/tutorials/test_train.cpp checks they agree).
constexpr int kMaxTrainThreads = 256;

struct TrainConfig {
  // "fashion-mnist", "mnist", "cifar10" or "synthetic". Empty means: Fashion-MNIST
  // if it is installed in the default folder, otherwise the synthetic set.
  std::string dataset;
  std::string data_dir;  // empty: the dataset's default folder
  int64_t epochs = 1;
  int64_t batch_size = 32;
  float lr = 2e-3f;  // peak learning rate (warm-up, then cosine decay to 0)
  std::string optimizer = "adamw";
  int64_t limit = 6000;       // train on the first N images (0: all): about a minute on 2 cores
  int64_t test_limit = 2000;  // evaluate on the first N test images (0: all)
  int threads = 2;            // --threads, else AG_NUM_THREADS, else 2
  uint64_t seed = 0;
  std::string checkpoint;  // empty: <out>/checkpoint.safetensors
  std::string resume;      // a checkpoint to continue from
  std::string out = "runs/latest";
  bool augment = false;    // random crop (padding 2) and horizontal flip
  int64_t stop_after = 0;  // stop (with a checkpoint, as Ctrl-C) after this many steps of this run
  std::string progress = "auto";  // "bar", "lines" or "auto" (a bar when stdout is a terminal)
  bool help = false;

  std::set<std::string> given;          // the flags named on the command line ("--lr", ...)
  std::string checkpoint_path() const;  // checkpoint, or its default under out
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// argv[1..] without the program name. Accepts "--flag value" and "--flag=value".
// Without --threads, a set AG_NUM_THREADS gives the thread count.
TrainConfig parse_train_args(const std::vector<std::string>& args);

// The --help text.
std::string train_usage();

// The folder a dataset is looked for in when --data-dir is not given.
std::string default_data_dir(const std::string& dataset);

}  // namespace ag::train
