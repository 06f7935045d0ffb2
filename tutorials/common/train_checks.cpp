// tutorials/common/train_checks.cpp: the early checks of a training run (see train_checks.h).
#include "tutorials/common/train_checks.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace ag::train {

void check_writable_folder(const std::string& flag, const std::string& value,
                           const std::string& folder) {
  const std::string dir = folder.empty() ? "." : folder;
  const std::string where = flag + " " + value + ": ";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw UsageError(where + "cannot create the folder '" + dir + "': " + ec.message());
  // The same kind of file the run will write (create, then remove), with a
  // name no run uses; O_EXCL so an existing file is never touched.
  const std::string probe =
      dir + "/.attograd-write-check." + std::to_string(static_cast<long>(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    throw UsageError(where + "cannot write in '" + dir + "': " + std::strerror(err) +
                     " (checked before training, so no work is lost)");
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

int64_t total_training_steps(int64_t epochs, int64_t steps_per_epoch) {
  int64_t total = 0;
  if (__builtin_mul_overflow(epochs, steps_per_epoch, &total))
    throw UsageError("--epochs " + std::to_string(epochs) + ": " + std::to_string(epochs) +
                     " epochs of " + std::to_string(steps_per_epoch) +
                     " steps is more steps than can be counted (at most " +
                     std::to_string(INT64_MAX) + ")");
  return total;
}

void check_resume_position(const TrainState& state, int64_t steps_per_epoch,
                           const std::string& path) {
  int64_t expected = 0;
  const bool fits = state.batch <= steps_per_epoch &&
                    !__builtin_mul_overflow(state.epoch, steps_per_epoch, &expected) &&
                    !__builtin_add_overflow(expected, state.batch, &expected) &&
                    expected == state.step;
  if (!fits)
    fail("checkpoint ", path, ": epoch ", state.epoch, ", batch ", state.batch, " and step ",
         state.step, " do not fit a run of ", steps_per_epoch,
         " steps per epoch (step should be epoch * ", steps_per_epoch, " + batch)");
}

namespace {
const char* name_of(double x) {
  return std::isnan(x) ? "nan" : x > 0 ? "inf" : "-inf";
}  // never "-nan"

std::string megabytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", double(bytes) / 1e6);
  return text;
}
}  // namespace

void check_finite_loss(float loss, const TrainState& state, float lr) {
  if (std::isfinite(loss)) return;
  const char* value = name_of(loss);
  throw TrainingDiverged(
      message("training diverged: the loss is ", value, " at step ", state.step + 1, " (epoch ",
              state.epoch + 1, ", batch ", state.batch + 1, ", learning rate ", lr,
              "). Stopped before that step, saving nothing, so the last checkpoint is still "
              "good. Try a smaller --lr (a tenth, say)"));
}

}  // namespace ag::train

namespace ag::train {

void check_finite_test_loss(double loss, const TrainState& state) {
  if (std::isfinite(loss)) return;
  throw TrainingDiverged(
      message("training diverged: the test loss after epoch ", state.epoch + 1, " (step ",
              state.step, ") is ", name_of(loss),
              ". Stopped before saving, so the last checkpoint is still good. Try a smaller "
              "--lr (a tenth, say)"));
}

void check_state_finite(const nn::Module& model, const optim::Optimizer& optimizer,
                        const TrainState& state) {
  auto check = [&](const std::string& name, const Tensor& t) {
    const float* values = t.data();
    for (int64_t i = 0; i < t.numel(); ++i)
      if (!std::isfinite(values[i]))
        throw TrainingDiverged(
            message("training diverged: '", name, "' ", t.shape(), " holds ", name_of(values[i]),
                    " at ", index_str(i, t.shape()), " after step ", state.step,
                    ". Stopped before saving, so the last checkpoint is still good. Try a "
                    "smaller --lr (a tenth, say)"));
  };
  for (const auto& [name, t] : model.state_dict()) check("model." + name, t);
  for (const auto& [name, t] : optimizer.state_dict()) check("optimizer." + name, t);
}

void check_disk_space(const std::string& flag, const std::string& value, const DiskNeed& need,
                      int64_t available) {
  if (available >= need.total()) return;
  const std::string what = need.checkpoint_bytes == 0
                               ? "for metrics and curves"
                               : "a checkpoint of " + megabytes(need.checkpoint_bytes) +
                                     ", its previous copy and the copy being written, and " +
                                     megabytes(need.report_bytes) + " of metrics and curves";
  throw UsageError(flag + " " + value + ": the run needs " + megabytes(need.total()) +
                   " free there (" + what + ") but " + megabytes(available) +
                   " are free (checked before training, so no work is lost)");
}

void check_room_for_checkpoints(const TrainConfig& config, const nn::Module& model,
                                int64_t state_slots, int64_t total_steps) {
  namespace fs = std::filesystem;
  const std::string path = config.checkpoint_path();
  auto size_or_zero = [](const std::string& file) {
    std::error_code ec;
    const auto bytes = fs::file_size(file, ec);
    return ec ? int64_t{0} : static_cast<int64_t>(bytes);
  };
  auto free_in = [](const std::string& folder) {
    std::error_code ec;
    const fs::space_info info = fs::space(folder.empty() ? "." : folder, ec);
    return ec ? INT64_MAX : static_cast<int64_t>(std::min<uintmax_t>(info.available, INT64_MAX));
  };
  // Sizes are capped at an exabyte (kNoDisk): a run of 10^17 steps needs
  // more than any disk, and the sums below must not overflow.
  constexpr int64_t kNoDisk = INT64_MAX / 8;
  DiskNeed reports;  // metrics.csv and curves.svg grow by under 256 bytes a step
  reports.report_bytes = std::min(total_steps, kNoDisk / 256) * 256 + (128 << 10);
  DiskNeed checkpoints;
  checkpoints.checkpoint_bytes =
      std::min(checkpoint_bytes(model, state_slots, total_steps, config.epochs), kNoDisk);
  checkpoints.replaced_bytes = size_or_zero(path) + size_or_zero(previous_checkpoint_path(path));
  const std::string folder = fs::path(path).parent_path().string();
  std::error_code ec;
  const bool same_folder = fs::equivalent(folder.empty() ? "." : folder, config.out, ec);
  if (same_folder) {
    checkpoints.report_bytes = reports.report_bytes;
  } else {
    check_disk_space("--out", config.out, reports, free_in(config.out));
  }
  check_disk_space(config.given.count("--checkpoint") ? "--checkpoint" : "--out",
                   config.given.count("--checkpoint") ? path : config.out, checkpoints,
                   free_in(folder));
}

}  // namespace ag::train
