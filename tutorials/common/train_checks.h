// tutorials/common/train_checks.h: the checks that stop a run early and say why.
//
// A training run is long, so a problem it can only discover late (an output
// folder it cannot write, a loss that has become NaN) should be found as
// early as possible, and reported with what to do about it:
//   - before training: the --out and --checkpoint folders can be written,
//     and epochs x steps per epoch can be counted (no int64 overflow);
//   - on resume: the checkpoint's position fits the run;
//   - every step: the loss is finite. A NaN or infinite loss stops the
//     program (exit code 1) before the step is applied and before anything
//     is saved, so the last checkpoint on disk is the last good one.
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
void check_writable_folder(const std::string& flag, const std::string& value, const std::string& folder);

// epochs * steps_per_epoch, or a UsageError if that overflows int64.
int64_t total_training_steps(int64_t epochs, int64_t steps_per_epoch);

// A resumed state must point inside the run: batch <= steps_per_epoch and
// step == epoch * steps_per_epoch + batch (what every save writes).
void check_resume_position(const TrainState& state, int64_t steps_per_epoch, const std::string& path);

// Throws TrainingDiverged naming the step (the one about to be taken), the
// epoch and batch, the learning rate, and what to try, unless loss is finite.
void check_finite_loss(float loss, const TrainState& state, float lr);

}  // namespace ag::train
