// tests/test_train.cpp: build/train's flags, and that an interrupted run,
// resumed from its checkpoint, retraces the uninterrupted run step for step.
//
// The runs use a tiny conv net (conv, BatchNorm, pool, linear: BatchNorm's
// running statistics must survive the checkpoint too) on 64 synthetic
// images, with one thread, so the whole suite takes seconds.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/ag.h"
#include "nn/nn.h"
#include "tests/data_test_util.h"
#include "tutorials/common/trainer.h"

using namespace ag;
using namespace ag::train;

namespace {

class TinyNet : public nn::UnaryModule {
 public:
  TinyNet(int64_t channels, int64_t classes) : UnaryModule("TinyNet") {
    conv = register_module("conv", std::make_shared<nn::Conv2d>(channels, 4, 3, Conv2dOptions().padding(1)));
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

std::shared_ptr<nn::UnaryModule> tiny(const Shape& input, int64_t classes) {
  return std::make_shared<TinyNet>(input[0], classes);
}

TrainConfig tiny_run(const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--dataset", "synthetic", "--limit", "64", "--test-limit", "20", "--epochs", "2",
                                   "--batch-size", "16", "--threads", "1", "--seed", "11", "--lr", "0.01",
                                   "--out", out, "--augment"};
  args.insert(args.end(), extra.begin(), extra.end());
  return parse_train_args(args);
}

std::string usage_error_of(const std::vector<std::string>& args) {
  try {
    parse_train_args(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_SUITE("train.args") {
  TEST_CASE("defaults and every flag") {
    TrainConfig d = parse_train_args({});
    CHECK(d.dataset.empty());
    CHECK(d.epochs == 1);
    CHECK(d.optimizer == "adamw");
    CHECK(d.out == "runs/latest");
    CHECK(d.checkpoint_path() == "runs/latest/checkpoint.safetensors");
    TrainConfig c = parse_train_args({"--dataset", "cifar10", "--data-dir", "/d", "--epochs", "3", "--batch-size=64",
                                      "--lr", "0.05", "--optimizer", "sgd", "--limit", "0", "--test-limit", "7",
                                      "--threads", "1", "--seed", "9", "--checkpoint", "c.st", "--resume", "r.st",
                                      "--out", "o", "--augment", "--stop-after", "5", "--progress", "lines", "--help"});
    CHECK(c.dataset == "cifar10");
    CHECK(c.data_dir == "/d");
    CHECK(c.epochs == 3);
    CHECK(c.batch_size == 64);
    CHECK(c.lr == doctest::Approx(0.05));
    CHECK(c.optimizer == "sgd");
    CHECK(c.limit == 0);
    CHECK(c.test_limit == 7);
    CHECK(c.threads == 1);
    CHECK(c.seed == 9);
    CHECK(c.checkpoint_path() == "c.st");
    CHECK(c.resume == "r.st");
    CHECK(c.out == "o");
    CHECK(c.augment);
    CHECK(c.stop_after == 5);
    CHECK(c.progress == "lines");
    CHECK(c.help);
    CHECK(c.given.count("--batch-size") == 1);
    CHECK(c.given.count("--help") == 0);
  }

  TEST_CASE("a bad flag or value is a UsageError (main exits with code 2) that says what is wrong") {
    const std::string hint = "\n(run with --help to see every flag)";
    CHECK(usage_error_of({"--epoch", "2"}) == "unknown flag '--epoch'" + hint);
    CHECK(usage_error_of({"--epochs"}) == "--epochs needs a value" + hint);
    CHECK(usage_error_of({"--epochs", "0"}) == "--epochs: must be at least 1, got 0" + hint);
    CHECK(usage_error_of({"--epochs", "2x"}) == "--epochs: expected a whole number, got '2x'" + hint);
    CHECK(usage_error_of({"--lr", "-0.1"}) == "--lr: must be greater than 0, got -0.1" + hint);
    CHECK(usage_error_of({"--lr", "fast"}) == "--lr: expected a number, got 'fast'" + hint);
    CHECK(usage_error_of({"--optimizer", "rmsprop"}) == "--optimizer: expected sgd|adam|adamw, got 'rmsprop'" + hint);
    CHECK(usage_error_of({"--dataset", "imagenet"}) ==
          "--dataset: expected fashion-mnist|mnist|cifar10|synthetic, got 'imagenet'" + hint);
    CHECK(usage_error_of({"--limit", "-5"}) == "--limit: must be at least 0, got -5" + hint);
    CHECK(usage_error_of({"--augment=yes"}) == "--augment takes no value" + hint);
    CHECK(usage_error_of({"--out="}) == "--out: the value is empty" + hint);
    CHECK(train_usage().find("--resume PATH") != std::string::npos);
  }
}

TEST_SUITE("train.loop") {
  TEST_CASE("an interrupted run resumed from its checkpoint reproduces the uninterrupted losses exactly") {
    test::TempDir dir;
    std::ostringstream log;
    // Uninterrupted: 2 epochs of 4 steps.
    TrainResult whole = run_training(tiny_run(dir.file("whole")), log, tiny);
    REQUIRE(whole.steps == 8);
    REQUIRE(whole.history.step_loss.size() == 8);
    CHECK_FALSE(whole.interrupted);

    // Interrupted after 3 steps (mid-epoch 1), then after 2 more (the epoch
    // boundary and its evaluation in between), then run to the end.
    TrainResult first = run_training(tiny_run(dir.file("split"), {"--stop-after", "3"}), log, tiny);
    CHECK(first.interrupted);
    CHECK(first.steps == 3);
    const std::string ckpt = dir.file("split") + "/checkpoint.safetensors";
    REQUIRE(std::filesystem::exists(ckpt));
    TrainResult second = run_training(tiny_run(dir.file("split"), {"--resume", ckpt, "--stop-after", "2"}), log, tiny);
    CHECK(second.first_step == 3);
    CHECK(second.steps == 5);
    TrainResult last = run_training(tiny_run(dir.file("split"), {"--resume", ckpt}), log, tiny);
    CHECK(last.first_step == 5);
    REQUIRE(last.history.step_loss.size() == 8);
    for (size_t s = 0; s < 8; ++s) {
      CAPTURE(s);
      CHECK(last.history.step_loss[s] == whole.history.step_loss[s]);  // bit for bit
      CHECK(last.history.step_lr[s] == whole.history.step_lr[s]);
    }
    CHECK(last.history.epoch_test_acc == whole.history.epoch_test_acc);
    CHECK(last.last_eval.confusion == whole.last_eval.confusion);

    // The outputs are there, with a row per step and two per epoch.
    for (const char* file : {"metrics.csv", "curves.svg", "confusion.svg", "checkpoint.safetensors"})
      CHECK(std::filesystem::exists(dir.file("split") + "/" + file));
    const std::string csv = slurp(dir.file("split") + "/metrics.csv");
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 8 + 2 * 2);
    CHECK(slurp(dir.file("split") + "/curves.svg").starts_with("<svg"));
  }

  TEST_CASE("Ctrl-C's flag stops after the current step with a checkpoint") {
    test::TempDir dir;
    std::ostringstream log;
    request_stop();
    TrainResult r = run_training(tiny_run(dir.file("run")), log, tiny);
    clear_stop_request();
    CHECK(r.interrupted);
    CHECK(r.steps == 1);
    CHECK(std::filesystem::exists(dir.file("run") + "/checkpoint.safetensors"));
    CHECK(log.str().find("interrupted after step 1") != std::string::npos);
    // --resume alone continues the run with its own settings, in its own folder.
    const std::string ckpt = dir.file("run") + "/checkpoint.safetensors";
    TrainResult rest = run_training(parse_train_args({"--resume", ckpt, "--threads", "1"}), log, tiny);
    CHECK(rest.out == dir.file("run"));
    CHECK(rest.checkpoint == ckpt);
    CHECK(rest.first_step == 1);
    CHECK(rest.steps == 8);  // 2 epochs of 64 / 16 images, as the checkpoint says
  }

  TEST_CASE("resuming with a different run-defining flag is refused") {
    test::TempDir dir;
    std::ostringstream log;
    run_training(tiny_run(dir.file("run"), {"--stop-after", "1"}), log, tiny);
    const std::string ckpt = dir.file("run") + "/checkpoint.safetensors";
    TrainConfig changed = tiny_run(dir.file("run"), {"--resume", ckpt, "--batch-size", "8"});
    try {
      run_training(changed, log, tiny);
      FAIL("expected a UsageError");
    } catch (const UsageError& e) {
      CHECK(std::string(e.what()) == "--resume " + ckpt + ": the checkpoint's run has --batch-size 16, not 8 " +
                                         "(a resumed run keeps its settings; leave --batch-size out)");
    }
  }

  TEST_CASE("evaluation: the confusion matrix adds up to the accuracy") {
    test::TempDir dir;
    std::ostringstream log;
    TrainResult r = run_training(tiny_run(dir.file("run")), log, tiny);
    REQUIRE(r.evaluated);
    int64_t total = 0, diagonal = 0;
    for (size_t t = 0; t < r.last_eval.confusion.size(); ++t)
      for (size_t p = 0; p < r.last_eval.confusion.size(); ++p) {
        total += r.last_eval.confusion[t][p];
        if (t == p) diagonal += r.last_eval.confusion[t][p];
      }
    CHECK(total == 20);  // --test-limit 20
    CHECK(r.last_eval.accuracy == doctest::Approx(double(diagonal) / 20));
    CHECK(log.str().find("confusion matrix") != std::string::npos);
  }
}
