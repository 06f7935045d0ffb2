// tests/tutorials/test_train_checkpoint.cpp: build/train never writes a bad
// checkpoint and never loses the last good one.
//
// Each case is a way a run once went wrong:
//   - a resumed Adam exp_avg_sq of -1 was accepted, and 1,728 NaN weights were
//     saved over the only checkpoint (exit 0);
//   - --lr 1e30 ended epoch 1 with "test: loss -nan" and saved weights of ~1e29;
//   - a negative BatchNorm running_var trained three epochs at loss -nan;
//   - --resume X --out D wrote the checkpoint over X;
//   - --lr 1e39 said "expected a number"; AG_ALLOCATOR=bogus exited 1;
//   - the disk-space check wrote a file too small to find a nearly full disk.
// The runs are tests/helpers/train_test_util.h's tiny net, 1 thread.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/io/atomic_file.h"
#include "core/io/safetensors.h"
#include "tests/helpers/train_test_util.h"
#include "tutorials/common/train_checks.h"

using namespace ag;
using namespace ag::train;
using namespace ag::train_test;

namespace {

// Sets an environment variable for one scope, then puts back what was there.
struct EnvVar {
  std::string name, saved;
  bool had;
  EnvVar(const char* variable, const char* value)
      : name(variable), had(std::getenv(variable) != nullptr) {
    if (had) saved = std::getenv(variable);
    ::setenv(variable, value, 1);
  }
  ~EnvVar() {
    if (had)
      ::setenv(name.c_str(), saved.c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

// Sets element `index` of tensor `name` of the checkpoint at path to `value`.
void set_value(const std::string& path, const std::string& name, int64_t index, float value) {
  bool found = false;
  rewrite_checkpoint(path, [&](io::SafetensorsFile& file) {
    for (auto& [key, t] : file.tensors)
      if (key == name) {
        t.data()[index] = value;
        found = true;
      }
  });
  REQUIRE_MESSAGE(found, "no tensor " << name);
}

// The tiny net, with logits scaled up a millionfold: its first loss is
// finite, but its gradients are large enough that one SGD step at a huge
// learning rate sends weights to infinity.
class LoudNet : public TinyNet {
 public:
  using TinyNet::TinyNet;
  Tensor forward(const Tensor& x) override { return TinyNet::forward(x) * 1e6f; }
};
std::shared_ptr<nn::UnaryModule> loud(const Shape& input, int64_t classes) {
  return std::make_shared<LoudNet>(input[0], classes);
}

}  // namespace

TEST_SUITE("train.checkpoint") {
TEST_CASE(
    "--lr out of float range says so; AG_ALLOCATOR and AG_KERNELS are usage errors (exit 2)") {
  const std::string hint = "\n(run with --help to see every flag)";
  CHECK(usage_error_of({"--lr", "1e39"}) ==
        "--lr: 1e39 is out of range for a float (max 3.4e38)" + hint);
  CHECK(usage_error_of({"--lr", "1e-50"}) ==
        "--lr: 1e-50 is too small for a float (min 1.2e-38)" + hint);
  CHECK(usage_error_of({"--lr", "inf"}) == "--lr: expected a number, got 'inf'" + hint);
  CHECK(parse_train_args({"--lr", "3.4e38"}).lr == 3.4e38f);
  {
    EnvVar allocator("AG_ALLOCATOR", "bogus");
    CHECK(usage_error_of({}) ==
          "AG_ALLOCATOR: unknown value 'bogus' (expected 'caching' or 'system')" + hint);
  }
  {
    EnvVar kernels("AG_KERNELS", "turbo");
    CHECK(usage_error_of({}) ==
          "AG_KERNELS: unknown value 'turbo' (expected 'fast' or 'naive')" + hint);
  }
  EnvVar system("AG_ALLOCATOR", "system");
  CHECK(usage_error_of({}) == "(no UsageError)");
}

TEST_CASE("each save keeps the previous checkpoint as checkpoint.prev.safetensors") {
  test::TempDir dir;
  const std::string ckpt = one_step_checkpoint(dir);
  const std::string prev = dir.file("run") + "/checkpoint.prev.safetensors";
  CHECK(previous_checkpoint_path(ckpt) == prev);
  CHECK(previous_checkpoint_path("c.st") == "c.prev.st");
  CHECK_FALSE(std::filesystem::exists(prev));  // nothing to keep on the first save
  const std::string first = io::read_file(ckpt);
  std::ostringstream log;
  run_training(tiny_run(dir.file("run"), {"--resume", ckpt, "--stop-after", "1"}), log, tiny);
  CHECK(io::read_file(prev) == first);
  CHECK(io::read_file(ckpt) != first);
  CHECK(io::load_safetensors_file(ckpt).metadata.at("step") == "2");
  // The previous one resumes too: it is a whole checkpoint.
  TrainResult again = run_training(
      parse_train_args({"--resume", prev, "--threads", "1", "--stop-after", "1"}), log, tiny);
  CHECK(again.first_step == 1);
  CHECK(again.checkpoint == ckpt);  // written as checkpoint.safetensors, in the same folder
  // No temp files are left behind.
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("run")))
    CHECK(entry.path().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("--resume X --out D writes D/checkpoint.safetensors and leaves X alone") {
  test::TempDir dir;
  const std::string ckpt = one_step_checkpoint(dir);
  const std::string before = io::read_file(ckpt);
  std::ostringstream log;
  TrainResult r = run_training(parse_train_args({"--resume", ckpt, "--out", dir.file("elsewhere"),
                                                 "--threads", "1", "--stop-after", "1"}),
                               log, tiny);
  CHECK(r.checkpoint == dir.file("elsewhere") + "/checkpoint.safetensors");
  CHECK(io::load_safetensors_file(r.checkpoint).metadata.at("step") == "2");
  CHECK(io::read_file(ckpt) == before);
  CHECK_FALSE(std::filesystem::exists(previous_checkpoint_path(ckpt)));
  // Without --out, a checkpoint of another name is not overwritten either:
  // the run writes its folder's checkpoint.safetensors.
  const std::string named = dir.file("run") + "/epoch1.safetensors";
  io::write_file_atomic(named, before);
  TrainResult n = run_training(
      parse_train_args({"--resume", named, "--threads", "1", "--stop-after", "1"}), log, tiny);
  CHECK(n.checkpoint == ckpt);
  CHECK(io::read_file(named) == before);
}

TEST_CASE("resuming refuses negative variances, counts and second moments, naming the tensor") {
  test::TempDir dir;
  const std::string ckpt = one_step_checkpoint(dir);
  const std::string pristine = io::read_file(ckpt);
  struct Bad {
    std::string tensor;
    int64_t index;
    float value;
    std::string where, why;
  };
  // The tiny net's parameters in order: conv.weight, conv.bias, bn.weight,
  // bn.bias, fc.weight, fc.bias; optimizer entry 2 is bn.weight's, [4].
  const Bad cases[] = {
      {"optimizer.2.exp_avg_sq", 1, -1.0f, "[4] holds -1 at [1]",
       "a second moment is a mean of squares, so it cannot be negative"},
      {"optimizer.2.exp_avg_sq", 3, NAN, "[4] holds nan at [3]",
       "the run had diverged: resume from an earlier checkpoint, with a smaller --lr"},
      {"model.bn.running_var", 0, -0.5f, "[4] holds -0.5 at [0]", "a variance cannot be negative"},
      {"model.bn.num_batches_tracked", 0, -3.0f, "[] holds -3 at []", "a count cannot be negative"},
      {"optimizer.step", 0, -1.0f, "[] holds -1 at []", "a count cannot be negative"},
  };
  for (const Bad& bad : cases) {
    CAPTURE(bad.tensor);
    io::write_file_atomic(ckpt, pristine);
    set_value(ckpt, bad.tensor, bad.index, bad.value);
    const std::string broken = io::read_file(ckpt);
    CHECK(run_error_of(parse_train_args({"--resume", ckpt, "--threads", "1"})) ==
          "checkpoint " + ckpt + ": tensor '" + bad.tensor + "' " + bad.where + " (" + bad.why +
              ")");
    CHECK(io::read_file(ckpt) == broken);  // refused before anything was written
  }
}

TEST_CASE("the optimizer itself refuses an Adam state with a negative second moment") {
  Tensor p = from_vector({1.0f, 2.0f}, {2}, true);
  optim::Adam adam({p}, {});
  optim::StateDict state = {{"step", scalar(3.0f)},
                            {"0.exp_avg", from_vector({0.1f, 0.2f}, {2})},
                            {"0.exp_avg_sq", from_vector({0.01f, -1.0f}, {2})}};
  CHECK_THROWS_WITH_AS(
      adam.load_state_dict(state),
      "optimizer load_state_dict: '0.exp_avg_sq' [2] holds -1 at [1] (a second moment is a mean "
      "of squares, so it is >= 0)",
      Error);
  CHECK(adam.step_count() == 0);  // nothing was applied
  optim::SGD sgd({p}, {.lr = 0.1, .momentum = 0.9});
  CHECK_THROWS_WITH_AS(sgd.load_state_dict({{"step", scalar(1.0f)},
                                            {"0.momentum_buffer", from_vector({NAN, 0.0f}, {2})}}),
                       "optimizer load_state_dict: '0.momentum_buffer' [2] holds nan at [0] "
                       "(expected a finite number)",
                       Error);
  CHECK_NOTHROW(sgd.load_state_dict(
      {{"step", scalar(1.0f)}, {"0.momentum_buffer", from_vector({-5.0f, 0.0f}, {2})}}));
}

TEST_CASE("weights that became infinite are never saved: the last good checkpoint stays") {
  test::TempDir dir;
  const std::string ckpt = one_step_checkpoint(dir);
  const std::string good = io::read_file(ckpt);
  // SGD at lr 1e37 on a net with a millionfold gradient: the first loss is
  // finite, the first step throws weights past float's range, then --stop-after saves.
  TrainConfig config =
      tiny_run(dir.file("run"), {"--optimizer", "sgd", "--lr", "1e37", "--stop-after", "1"});
  std::string error;
  try {
    std::ostringstream log;
    run_training(config, log, loud);
  } catch (const TrainingDiverged& e) {
    error = e.what();
  }
  CAPTURE(error);
  CHECK(error.starts_with("training diverged: 'model."));
  const bool infinite = error.find("holds -inf at") != std::string::npos ||
                        error.find("holds inf at") != std::string::npos;
  CHECK(infinite);
  CHECK(error.ends_with(
      " after step 1. Stopped before saving, so the last checkpoint is still good. Try a "
      "smaller --lr (a tenth, say)"));
  CHECK(io::read_file(ckpt) == good);
  CHECK_FALSE(std::filesystem::exists(previous_checkpoint_path(ckpt)));
}

TEST_CASE("a test loss that is not finite stops the run before the epoch's checkpoint") {
  test::TempDir dir;
  const std::string ckpt = one_step_checkpoint(dir);
  const std::string good = io::read_file(ckpt);
  // --lr 1e30, one step per epoch: the training loss of step 1 is finite
  // (BatchNorm normalises whatever the weights are), the weights after it
  // are near 1e29, and evaluation, with the running statistics, overflows.
  const std::string error =
      run_error_of(tiny_run(dir.file("run"), {"--lr", "1e30", "--limit", "16", "--epochs", "1"}));
  CHECK(error ==
        "training diverged: the test loss after epoch 1 (step 1) is nan. Stopped before saving, so "
        "the "
        "last checkpoint is still good. Try a smaller --lr (a tenth, say)");
  CHECK(io::read_file(ckpt) == good);
}

TEST_CASE("start-up reserves room for the checkpoints kept in rotation, and says how much") {
  test::TempDir dir;
  std::ostringstream log;
  TrainResult r = run_training(tiny_run(dir.file("run")), log, tiny);  // 2 epochs of 4 steps, AdamW
  const int64_t real = static_cast<int64_t>(std::filesystem::file_size(r.checkpoint));
  auto model = tiny({1, 16, 16}, 10);
  const int64_t estimate = checkpoint_bytes(*model, 2, 8, 2);
  CAPTURE(real);
  CAPTURE(estimate);
  // 9 model entries, step, lr, 6 parameters x 2 moments, 7 history curves.
  const int64_t tensors =
      static_cast<int64_t>(io::load_safetensors_file(r.checkpoint).tensors.size());
  CHECK(tensors == 30);
  CHECK(estimate >= real);                         // never under the file...
  CHECK(estimate - real <= 128 * tensors + 8192);  // ...and over it by at most the header allowance
  // The need: three checkpoints (current, previous, the one being written) and the reports.
  DiskNeed need;
  need.checkpoint_bytes = 1'000'000;
  need.report_bytes = 200'000;
  CHECK(need.total() == 3'200'000);
  CHECK_NOTHROW(check_disk_space("--out", "runs/latest", need, 3'200'000));
  CHECK_THROWS_WITH_AS(
      check_disk_space("--out", "runs/latest", need, 1'500'000),
      "--out runs/latest: the run needs 3.2 MB free there (a checkpoint of 1.0 MB, its previous "
      "copy and the copy being written, and 0.2 MB of metrics and curves) but 1.5 MB are free "
      "(checked before training, so no work is lost)",
      UsageError);
  need.replaced_bytes = 2'000'000;  // a resumed run's files are overwritten in place
  CHECK_NOTHROW(check_disk_space("--out", "runs/latest", need, 1'500'000));
  // 10^17 epochs: more room than any disk has, said without overflowing.
  const std::string huge =
      run_error_of(tiny_run(dir.file("huge"), {"--epochs", "100000000000000000"}));
  CAPTURE(huge);
  CHECK(huge.starts_with("--out " + dir.file("huge") + ": the run needs "));
  CHECK(huge.ends_with(" are free (checked before training, so no work is lost)"));
}
}  // TEST_SUITE("train.checkpoint")
