// data/loader.h: DataLoader, batches of examples prepared in the background.
//
// Shape legend: B batch size, C channels, H×W image.
//
// One epoch visits every example once, in order or shuffled, in batches:
//   images  (B, C, H, W) float
//   labels  (B) float holding whole numbers: attograd tensors are float32 and
//           ag::cross_entropy takes class ids as floats
// The last batch is smaller when B does not divide the dataset, unless
// drop_last, which drops it (so every batch has B examples).
//
// Reproducible by construction. The shuffle of epoch e is a permutation drawn
// from a generator seeded with (seed, e) alone, and example i of epoch e is
// transformed with a generator seeded with (seed, e, i) alone. Nothing depends
// on what ran before, so a run resumed at epoch e, batch b (start_epoch(e, b))
// sees exactly the batches the uninterrupted run saw.
//
// Prepared ahead. start_epoch() starts a std::thread that builds the next
// `prefetch` batches into a queue while the caller trains on the current one.
// next() takes them in order. If building a batch throws (a bad file, a bad
// transform), the worker stops and next() rethrows that exception on the
// caller's thread, after handing out the batches built before it. stop(),
// the next start_epoch() and the destructor all end the worker cleanly: it
// is told to stop, woken, and joined; no thread outlives its loader.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "data/dataset.h"
#include "data/transforms.h"

namespace ag::data {

struct Batch {
  Tensor images;                 // (B, C, H, W)
  Tensor labels;                 // (B), class ids as floats
  std::vector<int64_t> indices;  // which dataset examples, in batch order
  int64_t epoch = 0;
  int64_t index = 0;  // this batch's number within the epoch
};

struct DataLoaderOptions {
  int64_t batch_size = 32;
  bool shuffle = false;
  bool drop_last = false;
  uint64_t seed = 0;
  Transform transform;     // applied to each image; empty = none
  int64_t prefetch = 2;    // batches prepared ahead of the caller
  bool background = true;  // false: next() builds each batch itself (easy to step through)
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t num_batches() const;  // per epoch
  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }

  // The order examples are visited in during `epoch`: 0..N-1, or its shuffle.
  std::vector<int64_t> epoch_order(int64_t epoch) const;
  // Batch `batch_index` of `epoch`, built on the calling thread. The worker
  // calls this too, so a background batch equals a foreground one.
  Batch make_batch(int64_t epoch, int64_t batch_index, const std::vector<int64_t>& order) const;

  // Begin `epoch` at batch `first_batch` (> 0 when resuming mid-epoch).
  void start_epoch(int64_t epoch, int64_t first_batch = 0);
  // The next batch of the epoch into `batch`; false when the epoch is over.
  // Rethrows an exception raised while building the batch.
  bool next(Batch& batch);
  void stop();  // end the worker (if any); next() then returns false

 private:
  void worker_loop(int64_t epoch, int64_t first_batch);

  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;

  // The epoch in progress.
  int64_t epoch_ = 0;
  int64_t next_batch_ = 0;  // foreground mode: the next batch to build
  std::vector<int64_t> order_;

  // Shared with the worker, guarded by mutex_.
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable changed_;  // any change below: wakes both sides
  std::deque<Batch> ready_;
  bool stop_requested_ = false;
  bool worker_done_ = false;
  std::exception_ptr error_;
};

// The seed of example `index`'s generator in `epoch` (splitmix64-mixed, so
// nearby indices get unrelated streams).
uint64_t example_seed(uint64_t seed, int64_t epoch, int64_t index);

}  // namespace ag::data
