// tests/test_data.cpp: Dataset, DataLoader, transforms, the synthetic set and
// the dataset classes over the IDX and CIFAR readers. Every expected number
// is worked out by hand in the comment beside it.
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
#include "tests/data_test_util.h"
#include "tests/test_util.h"

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
    check_close(batches[2].images.reshape({8}), {8 / 255.f, 8 / 255.f, 8 / 255.f, 8 / 255.f, 9 / 255.f, 9 / 255.f,
                                                  9 / 255.f, 9 / 255.f});
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
    CHECK(sorted == identity);       // every example exactly once
    CHECK(order0 != identity);       // and actually shuffled
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
          "DataLoader: example 1 has shape [1, 3, 3] but the batch's first image has [1, 2, 2] (images in a batch "
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
    CHECK(error_of([&] { first.get(4); }) == "Subset: index 4 is out of range for a dataset of 4 examples");
    CHECK(error_of([&] { base->get(-1); }) == "counting: index -1 is out of range for a dataset of 10 examples");
  }
}

TEST_SUITE("data.transforms") {
  TEST_CASE("to_float divides by 255") {
    const uint8_t bytes[] = {0, 51, 255, 102};
    check_close(to_float(bytes, {1, 2, 2}), {0.0f, 0.2f, 1.0f, 0.4f});
  }

  TEST_CASE("normalize per channel") {
    // channel 0: (x - 0.5) / 0.25; channel 1: (x - 1) / 2
    Tensor image = from_vector({0.5f, 1.0f, 1.0f, 5.0f}, {2, 1, 2});
    check_close(normalize(image, {0.5f, 1.0f}, {0.25f, 2.0f}), {0.0f, 2.0f, 0.0f, 2.0f});
    check_close(normalize(image, {1.0f}, {0.5f}), {-1.0f, 0.0f, 0.0f, 8.0f});  // one value for all channels
    CHECK(error_of([&] { normalize(image, {0, 0, 0}, {1}); }) ==
          "normalize: image [2, 1, 2] has 2 channels but mean has 3 values (need 1 or 2)");
    CHECK(error_of([&] { normalize(image, {0}, {0}); }) == "normalize: every std must be > 0, got 0");
  }

  TEST_CASE("area weights: 3 -> 2 and 28 -> 16 by hand") {
    // 3 -> 2: each output cell is 1.5 pixels wide: [0, 1.5) and [1.5, 3).
    auto w = area_weights(3, 2);
    CHECK(w[0][0] == doctest::Approx(2.0 / 3));  // 1 / 1.5
    CHECK(w[0][1] == doctest::Approx(1.0 / 3));  // 0.5 / 1.5
    CHECK(w[0][2] == 0.0);
    CHECK(w[1][1] == doctest::Approx(1.0 / 3));
    CHECK(w[1][2] == doctest::Approx(2.0 / 3));
    // 28 -> 16: cells 1.75 wide. Cell 0 = [0, 1.75): pixel 0 whole, 0.75 of pixel 1.
    // Cell 1 = [1.75, 3.5): 0.25 of pixel 1, pixel 2 whole, 0.5 of pixel 3.
    auto v = area_weights(28, 16);
    CHECK(v[0][0] == doctest::Approx(1.0 / 1.75));
    CHECK(v[0][1] == doctest::Approx(0.75 / 1.75));
    CHECK(v[1][1] == doctest::Approx(0.25 / 1.75));
    CHECK(v[1][2] == doctest::Approx(1.0 / 1.75));
    CHECK(v[1][3] == doctest::Approx(0.5 / 1.75));
    for (const auto& row : v) CHECK(std::accumulate(row.begin(), row.end(), 0.0) == doctest::Approx(1.0));
  }

  TEST_CASE("resize_area 3x3 -> 2x2 by hand") {
    // Input 1..9. out[0][0] = (2/3, 1/3) ⊗ (2/3, 1/3) over [[1, 2], [4, 5]]
    //   = (4·1 + 2·2 + 2·4 + 1·5) / 9 = 21/9; the others likewise:
    //   out[0][1] = 33/9, out[1][0] = 57/9, out[1][1] = 69/9.
    Tensor image = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3});
    Tensor out = resize_area(image, 2, 2);
    CHECK(out.shape() == Shape{1, 2, 2});
    check_close(out, {21.f / 9, 33.f / 9, 57.f / 9, 69.f / 9});
  }

  TEST_CASE("resize_area 4x4 -> 2x2 is the 2x2 block mean; 28 -> 16 keeps constants and the mean") {
    std::vector<float> values(16);
    std::iota(values.begin(), values.end(), 0.0f);  // row-major 0..15
    // block (0,0) = {0,1,4,5} -> 2.5; (0,1) = {2,3,6,7} -> 4.5; (1,0) -> 10.5; (1,1) -> 12.5
    check_close(resize_area(from_vector(values, {1, 4, 4}), 2, 2), {2.5f, 4.5f, 10.5f, 12.5f});

    check_close(resize_area(full({2, 28, 28}, 0.7f), 16, 16), std::vector<float>(2 * 16 * 16, 0.7f));
    // x[y][x] = 28·y + x. Output (0, 0) averages rows and columns with weights
    // (4/7, 3/7), so it is 28·E[y] + E[x] with E = 3/7: 12 + 3/7.
    std::vector<float> ramp(28 * 28);
    std::iota(ramp.begin(), ramp.end(), 0.0f);
    Tensor out = resize_area(from_vector(ramp, {1, 28, 28}), 16, 16);
    CHECK(out.at({0, 0, 0}) == doctest::Approx(12.0 + 3.0 / 7));
    // Every output cell covers the same area, so the mean is kept: (28·28 − 1) / 2.
    CHECK(out.mean().item() == doctest::Approx(391.5).epsilon(1e-5));
  }

  TEST_CASE("crop with padding, by hand") {
    Tensor image = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3});
    // corner (0, 0) of the padded image: everything moves down-right by one.
    check_close(crop_padded(image, 1, 0, 0), {0, 0, 0, 0, 1, 2, 0, 4, 5});
    // corner (2, 1): up by one row, columns unchanged.
    check_close(crop_padded(image, 1, 2, 1), {4, 5, 6, 7, 8, 9, 0, 0, 0});
    check_close(crop_padded(image, 1, 1, 1), image);  // the centre is the image
    CHECK(error_of([&] { crop_padded(image, 1, 3, 0); }) ==
          "crop_padded: corner (3, 0) must lie in [0, 2] with padding 1 (image [1, 3, 3])");
  }

  TEST_CASE("random_crop draws its corner from the generator, every corner possible") {
    Tensor image = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3});
    std::set<std::vector<float>> seen;
    for (uint64_t seed = 0; seed < 200; ++seed) {
      Generator rng(seed), same(seed);
      Tensor crop = random_crop(image, 1, rng);
      const int64_t top = same.randint(3), left = same.randint(3);
      CHECK(crop.to_vector() == crop_padded(image, 1, top, left).to_vector());
      seen.insert(crop.to_vector());
    }
    CHECK(seen.size() == 9);  // 3 × 3 corners
  }

  TEST_CASE("horizontal flip, seeded random flip") {
    Tensor image = from_vector({1, 2, 3, 4, 5, 6}, {2, 1, 3});
    check_close(horizontal_flip(image), {3, 2, 1, 6, 5, 4});
    Generator rng(1);
    check_close(random_horizontal_flip(image, 0.0f, rng), image);
    check_close(random_horizontal_flip(image, 1.0f, rng), {3, 2, 1, 6, 5, 4});
    int flipped = 0;
    for (uint64_t seed = 0; seed < 400; ++seed) {
      Generator g(seed), again(seed);
      Tensor once = random_horizontal_flip(image, 0.5f, g);
      CHECK(once.to_vector() == random_horizontal_flip(image, 0.5f, again).to_vector());  // seeded
      flipped += once.data()[0] == 3.0f;
    }
    CHECK(flipped > 150);  // about half of 400
    CHECK(flipped < 250);
  }

  TEST_CASE("gray to rgb copies the one channel three times") {
    Tensor gray = from_vector({0.1f, 0.2f}, {1, 1, 2});
    Tensor rgb = gray_to_rgb(gray);
    CHECK(rgb.shape() == Shape{3, 1, 2});
    check_close(rgb, {0.1f, 0.2f, 0.1f, 0.2f, 0.1f, 0.2f});
    CHECK(error_of([&] { gray_to_rgb(rgb); }) == "gray_to_rgb: expected a gray image (1, H, W), got [3, 1, 2]");
  }

  TEST_CASE("compose applies the steps in order") {
    Generator rng(0);
    Transform t = compose({gray_to_rgb_transform(), resize_transform(1, 1), normalize_transform({0.5f}, {0.5f})});
    // mean of {0, 1, 0.5, 0.5} = 0.5 -> normalized 0 in each of 3 channels
    check_close(t(from_vector({0, 1, 0.5f, 0.5f}, {1, 2, 2}), rng), {0, 0, 0});
  }
}

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
    CHECK(error_of([&] { draw_synthetic(10, g3); }) == "draw_synthetic: label must be in [0, 10), got 10");
  }
}

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
    test::run_gzip("-9 -n", dir.file("train-images-idx3-ubyte"), dir.file("train-images-idx3-ubyte.gz"));
    std::filesystem::remove(dir.file("train-images-idx3-ubyte"));
    test::write_file(dir.file("train-labels-idx1-ubyte"), idx_labels(5));
    test::write_file(dir.file("t10k-images-idx3-ubyte"), idx_images(2));
    CHECK_FALSE(idx_dataset_present(dir.path.string()));  // t10k labels missing
    CHECK(error_of([&] { fashion_mnist(dir.path.string(), false); }).starts_with(
        "fashion-mnist: cannot find t10k-labels-idx1-ubyte(.gz) in '"));
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
}
