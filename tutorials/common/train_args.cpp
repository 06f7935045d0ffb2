// tutorials/common/train_args.cpp: parsing build/train's command line.
#include "tutorials/common/train_args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

#include "core/allocator.h"
#include "core/error.h"
#include "core/kernels/kernel_mode.h"

namespace ag::train {

namespace {

[[noreturn]] void usage_error(const std::string& message) {
  throw UsageError(message + "\n(run with --help to see every flag)");
}

// Whole numbers: the entire text must be digits (no "12abc", no "1e3"),
// within [min_value, max_value] (checked here, so no caller narrows a value).
int64_t parse_int(const std::string& flag, const std::string& text, int64_t min_value,
                  int64_t max_value = INT64_MAX) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0')
    usage_error(flag + ": expected a whole number, got '" + text + "'");
  if (errno == ERANGE || value > max_value)
    usage_error(flag + ": must be at most " + std::to_string(max_value) + ", got " + text);
  if (value < min_value)
    usage_error(flag + ": must be at least " + std::to_string(min_value) + ", got " + text);
  return value;
}

// A number a float can hold: strtof reports ERANGE both for 1e39 (too
// large: it returns inf) and for 1e-50 (too small: it returns 0 or a
// subnormal), and each gets its own message rather than "expected a number".
float parse_positive_float(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const float value = std::strtof(text.c_str(), &end);
  const bool out_of_range = errno == ERANGE;
  if (text.empty() || *end != '\0' || (!out_of_range && !std::isfinite(value)))
    usage_error(flag + ": expected a number, got '" + text + "'");
  if (out_of_range)
    usage_error(flag + ": " + text +
                (std::fabs(value) > 1.0f ? " is out of range for a float (max 3.4e38)"
                                         : " is too small for a float (min 1.2e-38)"));
  if (!(value > 0.0f)) usage_error(flag + ": must be greater than 0, got " + text);
  return value;
}

std::string one_of(const std::string& flag, const std::string& text,
                   const std::vector<std::string>& choices) {
  std::string list;
  for (const std::string& c : choices) {
    if (text == c) return text;
    list += (list.empty() ? "" : "|") + c;
  }
  usage_error(flag + ": expected " + list + ", got '" + text + "'");
}

}  // namespace

std::string TrainConfig::checkpoint_path() const {
  return checkpoint.empty() ? out + "/checkpoint.safetensors" : checkpoint;
}

std::string default_data_dir(const std::string& dataset) {
  if (dataset == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  if (dataset == "mnist") return "/usr/share/datasets/mnist";
  if (dataset == "cifar10") return "/usr/share/datasets/cifar-10-batches-bin";
  return "";
}

TrainConfig parse_train_args(const std::vector<std::string>& args) {
  TrainConfig config;
  // Each flag that takes a value, with what to do with the value.
  using Setter = std::function<void(const std::string& flag, const std::string& value)>;
  const std::map<std::string, Setter> with_value = {
      {"--dataset",
       [&](auto& f, auto& v) {
         config.dataset = one_of(f, v, {"fashion-mnist", "mnist", "cifar10", "synthetic"});
       }},
      {"--data-dir", [&](auto&, auto& v) { config.data_dir = v; }},
      {"--epochs", [&](auto& f, auto& v) { config.epochs = parse_int(f, v, 1); }},
      {"--batch-size", [&](auto& f, auto& v) { config.batch_size = parse_int(f, v, 1); }},
      {"--lr", [&](auto& f, auto& v) { config.lr = parse_positive_float(f, v); }},
      {"--optimizer",
       [&](auto& f, auto& v) {
         config.optimizer = one_of(f, v, {"sgd", "adam", "adamw"});
       }},
      {"--limit", [&](auto& f, auto& v) { config.limit = parse_int(f, v, 0); }},
      {"--test-limit", [&](auto& f, auto& v) { config.test_limit = parse_int(f, v, 0); }},
      {"--threads",
       [&](auto& f, auto& v) {
         config.threads = static_cast<int>(parse_int(f, v, 1, kMaxTrainThreads));
       }},
      {"--seed",
       [&](auto& f, auto& v) { config.seed = static_cast<uint64_t>(parse_int(f, v, 0)); }},
      {"--checkpoint", [&](auto&, auto& v) { config.checkpoint = v; }},
      {"--resume", [&](auto&, auto& v) { config.resume = v; }},
      {"--out", [&](auto&, auto& v) { config.out = v; }},
      {"--stop-after", [&](auto& f, auto& v) { config.stop_after = parse_int(f, v, 1); }},
      {"--progress",
       [&](auto& f, auto& v) {
         config.progress = one_of(f, v, {"auto", "bar", "lines"});
       }},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], value;
    bool has_value = false;
    if (const size_t eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);  // --lr=0.01
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      config.help = true;
      continue;
    }
    if (flag == "--augment") {
      if (has_value) usage_error("--augment takes no value");
      config.augment = true;
      config.given.insert(flag);
      continue;
    }
    auto setter = with_value.find(flag);
    if (setter == with_value.end()) usage_error("unknown flag '" + args[i] + "'");
    if (!has_value) {
      if (i + 1 >= args.size()) usage_error(flag + " needs a value");
      value = args[++i];
    }
    if (value.empty() && flag != "--data-dir") usage_error(flag + ": the value is empty");
    setter->second(flag, value);
    config.given.insert(flag);
  }
  // The thread count: --threads, else AG_NUM_THREADS (as for every attograd
  // program), else the default.
  const char* env_threads = std::getenv("AG_NUM_THREADS");
  if (!config.given.count("--threads") && env_threads != nullptr && *env_threads != '\0')
    config.threads =
        static_cast<int>(parse_int("AG_NUM_THREADS", env_threads, 1, kMaxTrainThreads));
  // The library reads AG_ALLOCATOR and AG_KERNELS on first use and throws
  // ag::Error on a bad value, which would surface mid-run as an error (exit
  // 1). Read here, a bad value is what it is, a usage error (exit 2).
  try {
    parse_allocator_mode(std::getenv("AG_ALLOCATOR"));
    parse_kernels(std::getenv("AG_KERNELS"));
  } catch (const Error& e) {
    usage_error(e.what());
  }
  return config;
}

std::string train_usage() {
  return R"(build/train: train the document's AttentionNet on an image dataset.

usage: ./build/train [flags]          (or: make train ARGS="--epochs 2")

data
  --dataset NAME      fashion-mnist | mnist | cifar10 | synthetic
                      (default: fashion-mnist when installed, else synthetic)
  --data-dir DIR      where the files are (default /usr/share/datasets/<name>;
                      Debian: apt-get install dataset-fashion-mnist)
  --limit N           train on the first N training images, 0 = all (default 6000)
  --test-limit N      evaluate on the first N test images, 0 = all (default 2000)
  --augment           random crop (padding 2) and horizontal flip while training

training
  --epochs N          passes over the training images (default 1)
  --batch-size N      images per step (default 32)
  --lr X              peak learning rate: linear warm-up over the first 5% of
                      steps, then cosine decay to 0 (default 0.002)
  --optimizer NAME    sgd (momentum 0.9) | adam | adamw (default adamw)
  --threads N         compute threads, 1 to 256 (default: AG_NUM_THREADS if
                      set, else 2)
  --seed N            weights, shuffling and augmentation all follow it (default 0)

checkpoints and output
  --out DIR           where checkpoint, curves.svg, confusion.svg,
                      report.html and metrics.csv go (default runs/latest)
  --checkpoint PATH   checkpoint file (default <out>/checkpoint.safetensors);
                      the one it replaces is kept as <name>.prev.safetensors
  --resume PATH       continue an interrupted run from its checkpoint; with the
                      same --threads it reproduces the uninterrupted losses;
                      files go to PATH's folder unless --out is given, the
                      checkpoint to --checkpoint (default as above)
  --stop-after N      stop after N steps, saving a checkpoint (as Ctrl-C does)
  --progress MODE     bar | lines | auto (a bar when stdout is a terminal)
  --help              this text

Ctrl-C saves a checkpoint at the end of the current step and exits; a second
Ctrl-C exits at once. A bad flag or value (AG_ALLOCATOR and AG_KERNELS
included), or a folder that cannot be written or has no room for the
checkpoints, exits with code 2 before training. A training or test loss, a
weight or an optimizer value that is not a number (too large an --lr) stops
the run with code 1 before anything is saved, leaving the last checkpoint as
it was.
)";
}

}  // namespace ag::train
