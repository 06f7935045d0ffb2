// tests/tutorials/test_train.cpp: build/train's flags, and that an interrupted run,
// resumed from its checkpoint, retraces the uninterrupted run step for step.
//
// The runs are tests/helpers/train_test_util.h's tiny net on 64 synthetic
// images, so the whole suite takes seconds. Checkpoint rotation, resume
// validation and divergence are in test_train_checkpoint.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "core/ag.h"
#include "core/io/atomic_file.h"
#include "core/io/safetensors.h"
#include "tests/helpers/train_test_util.h"
#include "tutorials/common/trainer.h"

using namespace ag;
using namespace ag::train;
using namespace ag::train_test;

TEST_SUITE("train.args") {
TEST_CASE("defaults and every flag") {
  TrainConfig d = parse_train_args({});
  CHECK(d.dataset.empty());
  CHECK(d.epochs == 1);
  CHECK(d.optimizer == "adamw");
  CHECK(d.out == "runs/latest");
  CHECK(d.checkpoint_path() == "runs/latest/checkpoint.safetensors");
  TrainConfig c = parse_train_args({"--dataset",
                                    "cifar10",
                                    "--data-dir",
                                    "/d",
                                    "--epochs",
                                    "3",
                                    "--batch-size=64",
                                    "--lr",
                                    "0.05",
                                    "--optimizer",
                                    "sgd",
                                    "--limit",
                                    "0",
                                    "--test-limit",
                                    "7",
                                    "--threads",
                                    "1",
                                    "--seed",
                                    "9",
                                    "--checkpoint",
                                    "c.st",
                                    "--resume",
                                    "r.st",
                                    "--out",
                                    "o",
                                    "--augment",
                                    "--stop-after",
                                    "5",
                                    "--progress",
                                    "lines",
                                    "--help"});
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
  CHECK(usage_error_of({"--optimizer", "rmsprop"}) ==
        "--optimizer: expected sgd|adam|adamw, got 'rmsprop'" + hint);
  CHECK(usage_error_of({"--dataset", "imagenet"}) ==
        "--dataset: expected fashion-mnist|mnist|cifar10|synthetic, got 'imagenet'" + hint);
  CHECK(usage_error_of({"--limit", "-5"}) == "--limit: must be at least 0, got -5" + hint);
  CHECK(usage_error_of({"--augment=yes"}) == "--augment takes no value" + hint);
  CHECK(usage_error_of({"--out="}) == "--out: the value is empty" + hint);
  CHECK(train_usage().find("--resume PATH") != std::string::npos);
}
}  // TEST_SUITE("train.args")

TEST_SUITE("train.loop") {
TEST_CASE(
    "an interrupted run resumed from its checkpoint reproduces the uninterrupted losses exactly") {
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
  TrainResult second =
      run_training(tiny_run(dir.file("split"), {"--resume", ckpt, "--stop-after", "2"}), log, tiny);
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
  TrainResult rest =
      run_training(parse_train_args({"--resume", ckpt, "--threads", "1"}), log, tiny);
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
    CHECK(std::string(e.what()) ==
          "--resume " + ckpt + ": the checkpoint's run has --batch-size 16, not 8 " +
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
}  // TEST_SUITE("train.loop")

// ---------------------------------------------------------------- inputs the trainer must not
// trust
namespace {

// Sets AG_NUM_THREADS for one scope, then puts back what was there.
struct ThreadsEnv {
  std::string saved;
  bool had;
  explicit ThreadsEnv(const char* value) : had(std::getenv("AG_NUM_THREADS") != nullptr) {
    if (had) saved = std::getenv("AG_NUM_THREADS");
    if (value)
      ::setenv("AG_NUM_THREADS", value, 1);
    else
      ::unsetenv("AG_NUM_THREADS");
  }
  ~ThreadsEnv() {
    if (had)
      ::setenv("AG_NUM_THREADS", saved.c_str(), 1);
    else
      ::unsetenv("AG_NUM_THREADS");
  }
};

}  // namespace

TEST_SUITE("train.checks") {
TEST_CASE(
    "--threads out of range is refused, not narrowed; AG_NUM_THREADS counts unless --threads is "
    "given") {
  const std::string hint = "\n(run with --help to see every flag)";
  CHECK(usage_error_of({"--threads", "4294967297"}) ==
        "--threads: must be at most 256, got 4294967297" + hint);
  CHECK(usage_error_of({"--threads", "2147483648"}) ==
        "--threads: must be at most 256, got 2147483648" + hint);
  CHECK(usage_error_of({"--threads", "99999999999999999999"}) ==
        "--threads: must be at most 256, got 99999999999999999999" + hint);
  CHECK(usage_error_of({"--threads", "0"}) == "--threads: must be at least 1, got 0" + hint);
  {
    ThreadsEnv env("3");
    CHECK(parse_train_args({}).threads == 3);
    CHECK(parse_train_args({"--threads", "1"}).threads == 1);  // the flag wins
  }
  {
    ThreadsEnv env("lots");
    CHECK(usage_error_of({}) == "AG_NUM_THREADS: expected a whole number, got 'lots'" + hint);
    CHECK(parse_train_args({"--threads", "2"}).threads == 2);
  }
  ThreadsEnv unset(nullptr);
  CHECK(parse_train_args({}).threads == 2);
  // The flag's limit is set_num_threads' limit.
  const int before = get_num_threads();
  CHECK_NOTHROW(set_num_threads(kMaxTrainThreads));
  CHECK_THROWS_AS(set_num_threads(kMaxTrainThreads + 1), Error);
  set_num_threads(before);
}

TEST_CASE("--epochs so large that epochs x steps overflows is refused before training") {
  test::TempDir dir;
  CHECK(run_error_of(tiny_run(dir.file("run"), {"--epochs", "9223372036854775807"})) ==
        "--epochs 9223372036854775807: 9223372036854775807 epochs of 4 steps is more steps than "
        "can be counted "
        "(at most 9223372036854775807)");
}

TEST_CASE("an unwritable --out or --checkpoint is found before training") {
  test::TempDir dir;
  ag::test::write_file(dir.file("a_file"), {'x'});
  const std::string under_file = dir.file("a_file") + "/run";
  CHECK(run_error_of(tiny_run(under_file)) ==
        "--out " + under_file + ": cannot create the folder '" + under_file + "': Not a directory");
  const std::string ckpt = under_file + "/c.safetensors";
  CHECK(run_error_of(tiny_run(dir.file("ok"), {"--checkpoint", ckpt})) ==
        "--checkpoint " + ckpt + ": cannot create the folder '" + under_file +
            "': Not a directory");
  CHECK_FALSE(std::filesystem::exists(dir.file("ok") + "/metrics.csv"));  // no training happened
}

TEST_CASE("a non-finite loss stops the run, names the step, and keeps the last checkpoint") {
  test::TempDir dir;
  const std::string ckpt = one_step_checkpoint(dir);
  const std::string good = io::read_file(ckpt);
  // --lr 1e30: the first step's update throws the weights to ~1e30, and the
  // next loss is not a number. Same --out: the checkpoint it would overwrite.
  const std::string error = run_error_of(tiny_run(dir.file("run"), {"--lr", "1e30"}));
  CAPTURE(error);
  CHECK(error.starts_with("training diverged: the loss is "));
  CHECK(error.find(" at step 2 (epoch 1, batch 2, learning rate ") != std::string::npos);
  CHECK(error.ends_with(
      "). Stopped before that step, saving nothing, so the last checkpoint is still good. "
      "Try a smaller --lr (a tenth, say)"));
  CHECK(io::read_file(ckpt) == good);
}

TEST_CASE("resuming refuses non-finite weights, naming the tensor") {
  test::TempDir dir;
  const std::string ckpt = one_step_checkpoint(dir);
  rewrite_checkpoint(ckpt, [](io::SafetensorsFile& file) {
    for (auto& [name, t] : file.tensors)
      if (name == "model.fc.weight") t.data()[5] = NAN;
  });
  CHECK(run_error_of(parse_train_args({"--resume", ckpt, "--threads", "1"})) ==
        "checkpoint " + ckpt +
            ": tensor 'model.fc.weight' [10, 16] holds nan at [0, 5] (the run had diverged: "
            "resume from an earlier checkpoint, with a smaller --lr)");
}

TEST_CASE("every metadata field is checked, and errors name the file, the key and the value") {
  test::TempDir dir;
  const std::string ckpt = one_step_checkpoint(dir);
  const std::string pristine = io::read_file(ckpt);
  struct Bad {
    std::string key, value, expected;
  };
  const std::string whole = "a whole number from 0 to 9223372036854775807";
  const Bad cases[] = {
      {"optimizer", "bogus", "sgd|adam|adamw"},
      {"dataset", "bogus", "fashion-mnist|mnist|cifar10|synthetic"},
      {"epoch", "-1", whole},
      {"batch", "1x", whole},
      {"step", "", whole},
      {"epoch_correct", "99", "a whole number from 0 to 16"},  // more right than seen
      {"lr", "abc", "a finite number greater than 0"},
      {"lr", "1e39", "a learning rate a float can hold"},
      {"epoch_loss_sum", "nan", "a finite number >= 0"},
      {"seed", "-3", "a whole number from 0 to 18446744073709551615"},
      {"batch_size", "0", "a whole number from 1 to 9223372036854775807"},
      {"epochs", "99999999999999999999", "a whole number from 1 to 9223372036854775807"},
      {"augment", "yes", "0|1"},
      {"threads", "4294967297", "a whole number from 1 to 256"},
      {"rng", "0,0,0,0,0,0",
       "six comma-separated whole numbers (four state words, not all 0, a 0/1 flag, 32 bits)"},
      {"rng", "1,2,3,4,0",
       "six comma-separated whole numbers (four state words, not all 0, a 0/1 flag, 32 bits)"},
      {"rng", "1,2,3,4,0,0,",
       "six comma-separated whole numbers (four state words, not all 0, a 0/1 flag, 32 bits)"},
  };
  for (const Bad& bad : cases) {
    CAPTURE(bad.key);
    CAPTURE(bad.value);
    io::write_file_atomic(ckpt, pristine);
    set_metadata(ckpt, bad.key, bad.value);
    CHECK(run_error_of(parse_train_args({"--resume", ckpt, "--threads", "1"})) ==
          "checkpoint " + ckpt + ": metadata '" + bad.key + "' is '" + bad.value + "', expected " +
              bad.expected);
  }
  // A position that does not fit the run.
  io::write_file_atomic(ckpt, pristine);
  set_metadata(ckpt, "step", "7");
  CHECK(run_error_of(parse_train_args({"--resume", ckpt, "--threads", "1"})) ==
        "checkpoint " + ckpt +
            ": epoch 0, batch 1 and step 7 do not fit a run of 4 steps per epoch (step should "
            "be epoch * 4 + batch)");
}

TEST_CASE("a checkpoint never chooses where files are written") {
  test::TempDir dir;
  const std::string ckpt = one_step_checkpoint(dir);
  // What an old or crafted checkpoint may carry: a folder of its choosing.
  set_metadata(ckpt, "out", dir.file("chosen_by_the_file"));
  std::ostringstream log;
  TrainResult rest =
      run_training(parse_train_args({"--resume", ckpt, "--threads", "1"}), log, tiny);
  CHECK(rest.out == dir.file("run"));  // the checkpoint's own folder, from the --resume path
  CHECK_FALSE(std::filesystem::exists(dir.file("chosen_by_the_file")));
  CHECK(std::filesystem::exists(dir.file("run") + "/metrics.csv"));
}
}  // TEST_SUITE("train.checks")
