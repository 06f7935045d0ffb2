// tests/data/test_data.cpp: Dataset, DataLoader, the synthetic set and the
// dataset classes over the IDX and CIFAR readers (the transforms are in
// tests/data/test_transforms.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <set>
#include <stdexcept>

#include "data/dataset.h"
#include "data/datasets.h"
#include "data/loader.h"
#include "data/synthetic.h"
#include "data/transforms.h"
#include "tests/helpers/data_test_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::data;
using ag_test::check_close;

namespace {

// N tiny images (1, 2, 2) whose pixels all equal the example's index, label index % 3.
std::shared_ptr<ByteImageDataset> counting_dataset(int64_t n) {
  std::vector<uint8_t> pixels, labels;
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < 4; ++k) pixels.push_back(static_cast<uint8_t>(i));
    labels.push_back(static_cast<uint8_t>(i % 3));
  }
  return std::make_shared<ByteImageDataset>("counting", Shape{1, 2, 2}, pixels, labels,
                                            std::vector<std::string>{"a", "b", "c"});
}

// Which example each image of a batch came from: pixel value * 255 (see counting_dataset).
std::vector<int64_t> examples_in(const Batch& batch) {
  std::vector<int64_t> ids;
  for (int64_t b = 0; b < batch.images.size(0); ++b)
    ids.push_back(static_cast<int64_t>(batch.images.data()[b * 4] * 255.0f + 0.5f));
  return ids;
}

std::vector<Batch> whole_epoch(DataLoader& loader, int64_t epoch, int64_t first_batch = 0) {
  std::vector<Batch> batches;
  loader.start_epoch(epoch, first_batch);
  for (Batch b; loader.next(b);) batches.push_back(b);
  return batches;
}

// A dataset whose example `bad` throws, as a corrupt file would.
class FailingDataset : public Dataset {
 public:
  explicit FailingDataset(int64_t bad) : bad_(bad) {}
  int64_t size() const override { return 12; }
  Example get(int64_t i) const override {
    if (i == bad_) fail("FailingDataset: example ", i, " is corrupt");
    return {full({1, 1, 1}, float(i)), 0};
  }
  Shape image_shape() const override { return {1, 1, 1}; }
  int64_t num_classes() const override { return 1; }

 private:
  int64_t bad_;
};

template <class F>
std::string error_of(F&& call) {
  try {
    call();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

TEST_SUITE("data.loader") {
TEST_CASE("batches cover the dataset in order, the last one smaller; labels are float class ids") {
  DataLoaderOptions options;
  options.batch_size = 4;
  DataLoader loader(counting_dataset(10), options);
  CHECK(loader.num_batches() == 3);  // 4 + 4 + 2
  auto batches = whole_epoch(loader, 0);
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].images.shape() == Shape{4, 1, 2, 2});
  CHECK(batches[2].images.shape() == Shape{2, 1, 2, 2});
  CHECK(examples_in(batches[1]) == std::vector<int64_t>{4, 5, 6, 7});
  CHECK(batches[2].indices == std::vector<int64_t>{8, 9});
  check_close(batches[1].labels, {1, 2, 0, 1});  // 4 % 3, 5 % 3, 6 % 3, 7 % 3
  check_close(batches[2].images.reshape({8}), {8 / 255.f, 8 / 255.f, 8 / 255.f, 8 / 255.f,
                                               9 / 255.f, 9 / 255.f, 9 / 255.f, 9 / 255.f});
}

TEST_CASE("drop_last drops the short batch") {
  DataLoaderOptions options;
  options.batch_size = 4;
  options.drop_last = true;
  DataLoader loader(counting_dataset(10), options);
  CHECK(loader.num_batches() == 2);
  auto batches = whole_epoch(loader, 0);
  REQUIRE(batches.size() == 2);
  for (const Batch& b : batches) CHECK(b.images.size(0) == 4);
}

TEST_CASE("shuffle: a permutation, fixed by (seed, epoch), new each epoch") {
  DataLoaderOptions options;
  options.batch_size = 5;
  options.shuffle = true;
  options.seed = 42;
  DataLoader a(counting_dataset(40), options), b(counting_dataset(40), options);
  auto order0 = a.epoch_order(0);
  std::vector<int64_t> sorted = order0;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> identity(40);
  std::iota(identity.begin(), identity.end(), 0);
  CHECK(sorted == identity);  // every example exactly once
  CHECK(order0 != identity);  // and actually shuffled
  CHECK(a.epoch_order(1) != order0);
  CHECK(b.epoch_order(0) == order0);  // another loader, same seed: same order
  options.seed = 43;
  DataLoader c(counting_dataset(40), options);
  CHECK(c.epoch_order(0) != order0);
  // The batches follow the order.
  auto batches = whole_epoch(a, 0);
  std::vector<int64_t> seen;
  for (const Batch& batch : batches)
    for (int64_t id : examples_in(batch)) seen.push_back(id);
  CHECK(seen == order0);
}

TEST_CASE("starting an epoch at batch k gives the same batches as the uninterrupted epoch") {
  DataLoaderOptions options;
  options.batch_size = 3;
  options.shuffle = true;
  options.seed = 7;
  options.transform = random_flip_transform(0.5f);
  DataLoader loader(counting_dataset(20), options);
  auto full_epoch = whole_epoch(loader, 2);
  auto tail = whole_epoch(loader, 2, 4);
  REQUIRE(tail.size() == full_epoch.size() - 4);
  for (size_t i = 0; i < tail.size(); ++i) {
    CHECK(tail[i].index == full_epoch[i + 4].index);
    CHECK(tail[i].indices == full_epoch[i + 4].indices);
    CHECK(tail[i].images.to_vector() == full_epoch[i + 4].images.to_vector());
  }
}

TEST_CASE("the background worker builds exactly the batches the caller would") {
  DataLoaderOptions options;
  options.batch_size = 4;
  options.shuffle = true;
  options.seed = 3;
  options.transform = random_crop_transform(1);
  options.prefetch = 1;
  DataLoader background(counting_dataset(30), options);
  options.background = false;
  DataLoader foreground(counting_dataset(30), options);
  auto x = whole_epoch(background, 1), y = whole_epoch(foreground, 1);
  REQUIRE(x.size() == y.size());
  for (size_t i = 0; i < x.size(); ++i) CHECK(x[i].images.to_vector() == y[i].images.to_vector());
}

TEST_CASE("an exception in the worker reaches the caller after the good batches") {
  DataLoaderOptions options;
  options.batch_size = 4;  // example 9 is in batch 2
  DataLoader loader(std::make_shared<FailingDataset>(9), options);
  loader.start_epoch(0);
  Batch batch;
  CHECK(loader.next(batch));
  CHECK(batch.index == 0);
  CHECK(loader.next(batch));
  CHECK(batch.index == 1);
  CHECK(error_of([&] { loader.next(batch); }) == "FailingDataset: example 9 is corrupt");
  CHECK_FALSE(loader.next(batch));  // raised once; the epoch is over
  // The loader is still usable: a new epoch starts a new worker.
  loader.start_epoch(1);
  CHECK(loader.next(batch));
}

TEST_CASE("stopping mid-epoch, restarting and destroying the loader end the worker cleanly") {
  DataLoaderOptions options;
  options.batch_size = 2;
  options.prefetch = 2;
  auto loader = std::make_unique<DataLoader>(counting_dataset(50), options);
  Batch batch;
  loader->start_epoch(0);
  CHECK(loader->next(batch));  // the worker is now blocked on a full queue
  loader->start_epoch(1);      // stops and joins it, starts another
  CHECK(loader->next(batch));
  CHECK(batch.epoch == 1);
  loader->stop();
  CHECK_FALSE(loader->next(batch));
  loader->start_epoch(2);
  loader.reset();  // destructor with a worker running: must join, not hang or crash
  CHECK(true);
}

TEST_CASE("images of different shapes in one batch, bad options") {
  DataLoaderOptions options;
  options.batch_size = 2;
  options.background = false;
  options.transform = [](const Tensor& image, Generator&) {
    return image.data()[0] > 0 ? resize_area(image, 3, 3) : image;  // example 0 stays 2×2
  };
  DataLoader loader(counting_dataset(4), options);
  loader.start_epoch(0);
  Batch batch;
  CHECK(error_of([&] { loader.next(batch); }) ==
        "DataLoader: example 1 has shape [1, 3, 3] but the batch's first image has [1, 2, 2] "
        "(images in a batch "
        "must share a shape: resize them in the transform)");
  options.batch_size = 0;
  CHECK(error_of([&] { DataLoader bad(counting_dataset(4), options); }) ==
        "DataLoader: batch_size must be > 0, got 0");
}

TEST_CASE("Subset keeps the first N; a ByteImageDataset checks its index") {
  auto base = counting_dataset(10);
  Subset first(base, 4);
  CHECK(first.size() == 4);
  CHECK(first.get(3).label == 0);  // 3 % 3
  CHECK(Subset(base, 100).size() == 10);
  CHECK(error_of([&] { first.get(4); }) ==
        "Subset: index 4 is out of range for a dataset of 4 examples");
  CHECK(error_of([&] { base->get(-1); }) ==
        "counting: index -1 is out of range for a dataset of 10 examples");
}
}  // TEST_SUITE("data.loader")

TEST_SUITE("data.synthetic") {
TEST_CASE("same seed, same bytes; another seed, other images") {
  auto a = make_synthetic(200, 5), b = make_synthetic(200, 5), c = make_synthetic(200, 6);
  int64_t differ = 0;
  for (int64_t i = 0; i < 200; ++i) {
    CHECK(a->get(i).image.to_vector() == b->get(i).image.to_vector());
    differ += a->get(i).image.to_vector() != c->get(i).image.to_vector();
  }
  CHECK(differ == 200);
}

TEST_CASE("classes are balanced; images are (3, 16, 16) in [0, 1] with a visible shape") {
  auto data = make_synthetic(250, 1);
  CHECK(data->num_classes() == 10);
  CHECK(data->class_names()[7] == "ring");
  CHECK(data->image_shape() == Shape{3, 16, 16});
  std::vector<int> count(10, 0);
  for (int64_t i = 0; i < data->size(); ++i) {
    Example e = data->get(i);
    ++count[e.label];
    CHECK(e.image.shape() == Shape{3, 16, 16});
    auto v = e.image.to_vector();
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    CHECK(*lo >= 0.0f);
    CHECK(*hi <= 1.0f);
    CHECK(*hi - *lo > 0.25f);  // foreground and background differ by >= 0.3 on average
  }
  for (int k = 0; k < 10; ++k) CHECK(count[k] == 25);
}

TEST_CASE("the same class drawn twice differs in position, size or colour") {
  Generator g1(1), g2(2);
  CHECK(draw_synthetic(0, g1) != draw_synthetic(0, g2));
  Generator g3(3);
  CHECK(error_of([&] { draw_synthetic(10, g3); }) ==
        "draw_synthetic: label must be in [0, 10), got 10");
}
}  // TEST_SUITE("data.synthetic")

TEST_SUITE("data.datasets") {
namespace {
void put_be32(test::Bytes& bytes, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(v >> shift));
}
// IDX images: magic 0x803, dims (n, 28, 28); pixel (i, y, x) = i + y + x (mod 256).
test::Bytes idx_images(uint32_t n) {
  test::Bytes bytes;
  put_be32(bytes, 0x803);
  for (uint32_t d : {n, 28u, 28u}) put_be32(bytes, d);
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t y = 0; y < 28; ++y)
      for (uint32_t x = 0; x < 28; ++x) bytes.push_back(static_cast<uint8_t>(i + y + x));
  return bytes;
}
test::Bytes idx_labels(uint32_t n) {
  test::Bytes bytes;
  put_be32(bytes, 0x801);
  put_be32(bytes, n);
  for (uint32_t i = 0; i < n; ++i) bytes.push_back(static_cast<uint8_t>((i * 3) % 10));
  return bytes;
}
}  // namespace

TEST_CASE("Fashion-MNIST from IDX files, gzipped or not") {
  test::TempDir dir;
  test::write_file(dir.file("train-images-idx3-ubyte"), idx_images(5));
  test::run_gzip("-9 -n", dir.file("train-images-idx3-ubyte"),
                 dir.file("train-images-idx3-ubyte.gz"));
  std::filesystem::remove(dir.file("train-images-idx3-ubyte"));
  test::write_file(dir.file("train-labels-idx1-ubyte"), idx_labels(5));
  test::write_file(dir.file("t10k-images-idx3-ubyte"), idx_images(2));
  CHECK_FALSE(idx_dataset_present(dir.path.string()));  // t10k labels missing
  CHECK(error_of([&] {
          fashion_mnist(dir.path.string(), false);
        }).starts_with("fashion-mnist: cannot find t10k-labels-idx1-ubyte(.gz) in '"));
  test::write_file(dir.file("t10k-labels-idx1-ubyte"), idx_labels(2));
  CHECK(idx_dataset_present(dir.path.string()));

  auto train = fashion_mnist(dir.path.string(), true);
  CHECK(train->size() == 5);
  CHECK(train->image_shape() == Shape{1, 28, 28});
  CHECK(train->class_names()[9] == "Ankle boot");
  Example e = train->get(4);
  CHECK(e.label == 2);  // 4·3 mod 10
  CHECK(e.image.at({0, 1, 2}) == doctest::Approx((4 + 1 + 2) / 255.0));
  CHECK(fashion_mnist(dir.path.string(), false)->size() == 2);
}

TEST_CASE("CIFAR-10 from its binary batches") {
  test::TempDir dir;
  // Six files of 2 records; record r of file f: label (f + r) % 10, every pixel f*10 + r.
  const char* names[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                         "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
  for (int f = 0; f < 6; ++f) {
    test::Bytes bytes;
    for (int r = 0; r < 2; ++r) {
      bytes.push_back(static_cast<uint8_t>((f + r) % 10));
      bytes.insert(bytes.end(), 3072, static_cast<uint8_t>(f * 10 + r));
    }
    test::write_file(dir.file(names[f]), bytes);
  }
  CHECK(cifar10_present(dir.path.string()));
  auto train = cifar10(dir.path.string(), true);
  CHECK(train->size() == 10);
  CHECK(train->image_shape() == Shape{3, 32, 32});
  Example e = train->get(3);  // file 1 (data_batch_2), record 1
  CHECK(e.label == 2);
  CHECK(e.image.at({2, 31, 31}) == doctest::Approx(11 / 255.0));
  auto test_split = cifar10(dir.path.string(), false);
  CHECK(test_split->size() == 2);
  CHECK(test_split->class_names()[0] == "airplane");
}
}  // TEST_SUITE("data.datasets")
