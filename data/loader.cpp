// data/loader.cpp: the DataLoader and its worker thread. Shape legend in loader.h.
#include "data/loader.h"

#include <algorithm>
#include <cstring>

#include "core/splitmix.h"

namespace ag::data {

namespace {

// One splitmix64 step from state z: every input bit affects every output bit.
uint64_t mix(uint64_t z) { return splitmix64(z); }

}  // namespace

uint64_t example_seed(uint64_t seed, int64_t epoch, int64_t index) {
  return mix(mix(mix(seed) ^ static_cast<uint64_t>(epoch)) ^ static_cast<uint64_t>(index));
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  if (!dataset_) fail("DataLoader: the dataset is null");
  if (options_.batch_size <= 0)
    fail("DataLoader: batch_size must be > 0, got ", options_.batch_size);
  if (options_.prefetch <= 0) fail("DataLoader: prefetch must be > 0, got ", options_.prefetch);
}

DataLoader::~DataLoader() { stop(); }

int64_t DataLoader::num_batches() const {
  const int64_t n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> DataLoader::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(dataset_->size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  if (!options_.shuffle) return order;
  // Fisher-Yates with our own generator (std::shuffle's algorithm is not
  // specified, so it could differ between g++ and clang).
  Generator rng(example_seed(options_.seed, epoch, -1));
  for (int64_t i = static_cast<int64_t>(order.size()) - 1; i > 0; --i)
    std::swap(order[i], order[rng.randint(i + 1)]);
  return order;
}

Batch DataLoader::make_batch(int64_t epoch, int64_t batch_index,
                             const std::vector<int64_t>& order) const {
  if (batch_index < 0 || batch_index >= num_batches())
    fail("DataLoader: batch ", batch_index, " is out of range for ", num_batches(),
         " batches per epoch");
  const int64_t begin = batch_index * options_.batch_size;
  const int64_t end =
      std::min<int64_t>(begin + options_.batch_size, static_cast<int64_t>(order.size()));
  Batch batch;
  batch.epoch = epoch;
  batch.index = batch_index;
  batch.indices.assign(order.begin() + begin, order.begin() + end);
  const int64_t B = end - begin;
  batch.labels = empty({B});
  Shape image_shape;
  for (int64_t k = 0; k < B; ++k) {
    const int64_t index = batch.indices[k];
    Example example = dataset_->get(index);
    if (options_.transform) {
      Generator rng(example_seed(options_.seed, epoch, index));
      example.image = options_.transform(example.image, rng);
    }
    if (k == 0) {  // the first image fixes the batch's (C, H, W)
      image_shape = example.image.shape();
      Shape batch_shape = {B};
      batch_shape.insert(batch_shape.end(), image_shape.begin(), image_shape.end());
      batch.images = empty(batch_shape);
    } else if (example.image.shape() != image_shape) {
      fail("DataLoader: example ", index, " has shape ", example.image.shape(),
           " but the batch's first image has ", image_shape,
           " (images in a batch must share a shape: resize them in the transform)");
    }
    const int64_t per_image = numel_of(image_shape);
    std::memcpy(batch.images.data() + k * per_image, example.image.data(),
                per_image * sizeof(float));
    batch.labels.data()[k] = static_cast<float>(example.label);
  }
  return batch;
}

void DataLoader::start_epoch(int64_t epoch, int64_t first_batch) {
  stop();
  if (first_batch < 0 || first_batch > num_batches())
    fail("DataLoader: cannot start epoch ", epoch, " at batch ", first_batch, " of ",
         num_batches());
  epoch_ = epoch;
  next_batch_ = first_batch;
  order_ = epoch_order(epoch);
  std::lock_guard<std::mutex> lock(mutex_);
  ready_.clear();
  stop_requested_ = false;
  error_ = nullptr;
  worker_done_ = !options_.background;
  if (options_.background)
    worker_ = std::thread(&DataLoader::worker_loop, this, epoch, first_batch);
}

void DataLoader::worker_loop(int64_t epoch, int64_t first_batch) {
  try {
    for (int64_t b = first_batch; b < num_batches(); ++b) {
      {
        // Wait for room in the queue, so the worker stays `prefetch` batches ahead at most.
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] {
          return stop_requested_ || static_cast<int64_t>(ready_.size()) < options_.prefetch;
        });
        if (stop_requested_) break;
      }
      Batch batch = make_batch(epoch, b, order_);  // the slow part, outside the lock
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.push_back(std::move(batch));
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  worker_done_ = true;
  changed_.notify_all();
}

bool DataLoader::next(Batch& batch) {
  if (!options_.background) {
    if (next_batch_ >= num_batches() || stop_requested_) return false;
    batch = make_batch(epoch_, next_batch_++, order_);
    return true;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !ready_.empty() || worker_done_; });
  if (!ready_.empty()) {
    batch = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();  // there is room again
    return true;
  }
  if (error_) {
    std::exception_ptr error = error_;
    error_ = nullptr;  // raised once; the epoch is then over
    std::rethrow_exception(error);
  }
  return false;
}

void DataLoader::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_requested_ = true;
    changed_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  ready_.clear();
  worker_done_ = true;
}

}  // namespace ag::data
