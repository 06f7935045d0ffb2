// tutorials/common/train_checks.h: the checks that stop a run early and say why.
//
// A training run is long, so a problem it can only discover late (an output
// folder it cannot write, a loss that has become NaN) should be found as
// early as possible, and reported with what to do about it:
//   - before training: the --out and --checkpoint folders can be written and
//     have room for the checkpoints the run will keep, and epochs x steps
//     per epoch can be counted (no int64 overflow);
//   - on resume: the checkpoint's position fits the run;
//   - every step: the loss is finite; after every epoch: the test loss is;
//     before every save: every weight, buffer and optimizer state is. Any
//     of these stops the program (exit code 1) before anything is saved, so
//     the last checkpoint on disk is the last good one.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"
#include "tutorials/common/train_checkpoint.h"

namespace ag::train {

// Thrown when the loss stops being a finite number. An ag::Error: main()
// prints it and exits with code 1.
class TrainingDiverged : public Error {
 public:
  using Error::Error;
};

// Creates `folder` if needed, then creates and removes a temporary file in it.
// A UsageError naming `flag value` and the system's reason otherwise.
void check_writable_folder(const std::string& flag, const std::string& value,
                           const std::string& folder);

// epochs * steps_per_epoch, or a UsageError if that overflows int64.
int64_t total_training_steps(int64_t epochs, int64_t steps_per_epoch);

// A resumed state must point inside the run: batch <= steps_per_epoch and
// step == epoch * steps_per_epoch + batch (what every save writes).
void check_resume_position(const TrainState& state, int64_t steps_per_epoch,
                           const std::string& path);

// Throws TrainingDiverged naming the step (the one about to be taken), the
// epoch and batch, the learning rate, and what to try, unless loss is finite.
void check_finite_loss(float loss, const TrainState& state, float lr);

// The same for the test loss of the epoch that just ended (state.epoch):
// weights can be finite and yet useless (--lr 1e30 leaves them near 1e29, and
// BatchNorm hides that from the training loss but not from evaluation).
void check_finite_test_loss(double loss, const TrainState& state);

// Before a save: every value of the model's state_dict and the optimizer's
// must be finite, or TrainingDiverged names the first that is not.
void check_state_finite(const nn::Module& model, const optim::Optimizer& optimizer,
                        const TrainState& state);

// What the checkpoints of a run take on disk: bytes = one checkpoint at the
// end of the run. Three copies can exist at once (the checkpoint, its
// previous copy, and the new one being written beside them); `replaced` is
// what the files about to be overwritten take now.
struct DiskNeed {
  int64_t checkpoint_bytes = 0;
  int64_t report_bytes = 0;  // metrics.csv, curves.svg, confusion.svg
  int64_t replaced_bytes = 0;
  int64_t total() const { return 3 * checkpoint_bytes + report_bytes - replaced_bytes; }
};

// A UsageError naming the need and the free space unless available >= need.total().
void check_disk_space(const std::string& flag, const std::string& value, const DiskNeed& need,
                      int64_t available);

// Found before training, not when the first checkpoint fails to fit: room
// (std::filesystem::space) in the checkpoint's folder for the checkpoints
// kept in rotation, with state_slots optimizer buffers per parameter (and
// for the reports, when they go to the same folder), and in --out for the
// reports.
void check_room_for_checkpoints(const TrainConfig& config, const nn::Module& model,
                                int64_t state_slots, int64_t total_steps);

}  // namespace ag::train
