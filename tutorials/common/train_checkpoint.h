// tutorials/common/train_checkpoint.h: everything a run needs to continue.
//
// One .safetensors file (core/io/safetensors.h), written atomically, holds
//   model.<name>        the model's state_dict: parameters and BatchNorm
//                       buffers (model.*.num_batches_tracked stored as I64,
//                       so PyTorch can load the model part as it is)
//   optimizer.<key>     the optimizer's state_dict: step, lr, moments
//   history.<curve>     every step's loss, accuracy and lr, every epoch's
//                       summary, so a resumed run draws the whole curves
// and, in the "__metadata__" strings,
//   epoch, batch, step  where to continue: batch `batch` of epoch `epoch`
//   epoch_loss_sum, epoch_correct, epoch_seen   the unfinished epoch's sums
//   rng                 the default generator's state, six words
//   dataset, limit, test_limit, batch_size, optimizer, lr, seed, augment,
//   epochs, threads     the settings that define the run
// Reading checks every field against what a run can write (an error names
// the file, the key and the value) and every tensor value: finite, and >= 0
// where only that makes sense (BatchNorm's running_var and
// num_batches_tracked, Adam's second moments, the optimizer's step). No path
// is taken from the file: a resume writes where the command line says.
//
// Saving keeps the previous checkpoint: checkpoint.safetensors is first
// copied to checkpoint.prev.safetensors, then replaced; each write is atomic
// (core/io/atomic_file.h), so at every moment both files are whole.
//
// Continuing needs no other randomness: the DataLoader derives each epoch's
// order and each example's augmentation from (seed, epoch, index) alone.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/io/safetensors.h"
#include "nn/module.h"
#include "optim/optimizer.h"
#include "tutorials/common/train_args.h"
#include "tutorials/common/train_report.h"

namespace ag::train {

// Where the loop is, and what it has seen.
struct TrainState {
  int64_t epoch = 0;            // the epoch in progress
  int64_t batch = 0;            // the next batch of that epoch
  int64_t step = 0;             // optimizer steps taken so far
  double epoch_loss_sum = 0.0;  // over the batches of the epoch in progress
  int64_t epoch_correct = 0, epoch_seen = 0;
  History history;
};

void save_checkpoint(const std::string& path, const nn::Module& model,
                     const optim::Optimizer& optimizer, const TrainState& state,
                     const TrainConfig& config);

// Where save_checkpoint keeps the checkpoint it replaces: "<dir>/<stem>.prev<ext>"
// (runs/latest/checkpoint.prev.safetensors).
std::string previous_checkpoint_path(const std::string& path);

// The size of the file save_checkpoint writes at the end of a run of
// total_steps steps in `epochs` epochs, with state_slots optimizer buffers
// per parameter (1: SGD's momentum, 2: Adam's moments): the exact tensor
// bytes plus a generous bound on the header, so never less than the file.
int64_t checkpoint_bytes(const nn::Module& model, int64_t state_slots, int64_t total_steps,
                         int64_t epochs);

// Reads the file and takes its run-defining settings into `config`. A setting
// given on the command line that differs from the checkpoint's is a
// UsageError (a resumed run must be the same run); --epochs may grow.
// Without --out the run writes into the folder the checkpoint is in; the
// checkpoint goes to --checkpoint, else <out>/checkpoint.safetensors, so
// `--resume X --out D` never writes over X (unless X is that file).
io::SafetensorsFile read_checkpoint(const std::string& path, TrainConfig& config);

// Copies the model, optimizer and generator state from a read checkpoint
// (read from `path`, for messages) and returns where to continue. Shapes and
// names are checked (by the model's and the optimizer's load_state_dict)
// before anything is copied.
TrainState restore_checkpoint(const io::SafetensorsFile& file, const std::string& path,
                              nn::Module& model, optim::Optimizer& optimizer);

}  // namespace ag::train
