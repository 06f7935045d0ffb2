// tests/data/test_readers.cpp: the IDX (MNIST) and CIFAR-10 readers.
//
// Files in the real formats are written here byte by byte, from pixel values
// given by a formula, read back, and compared with the formula; damaged files
// must throw with a message naming the file and the broken expectation.
#include <doctest/doctest.h>

#include "tests/helpers/test_util.h"

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/cifar.h"
#include "data/idx.h"
#include "data/inflate.h"
#include "tests/helpers/data_test_util.h"

using ag::test::Bytes;

namespace {

void put_be32(Bytes& bytes, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    bytes.push_back(static_cast<uint8_t>(value >> shift));
}

// The pixel the test files hold at image n, row y, column x (and channel c).
uint8_t pixel_at(int64_t n, int64_t c, int64_t y, int64_t x) {
  return static_cast<uint8_t>(n * 31 + c * 101 + y * 7 + x * 3);
}

// An IDX image file: magic 0x00000803, then N, rows, cols, then the pixels.
Bytes idx_images(uint32_t count, uint32_t rows, uint32_t cols) {
  Bytes bytes;
  put_be32(bytes, 0x00000803);
  for (uint32_t dim : {count, rows, cols}) put_be32(bytes, dim);
  for (uint32_t n = 0; n < count; ++n)
    for (uint32_t y = 0; y < rows; ++y)
      for (uint32_t x = 0; x < cols; ++x) bytes.push_back(pixel_at(n, 0, y, x));
  return bytes;
}

Bytes idx_labels(const Bytes& labels) {
  Bytes bytes;
  put_be32(bytes, 0x00000801);
  put_be32(bytes, static_cast<uint32_t>(labels.size()));
  bytes.insert(bytes.end(), labels.begin(), labels.end());
  return bytes;
}

// CIFAR records: label, then 3 planes of 32x32. `first` numbers the images
// so that records from different files differ.
Bytes cifar_records(const Bytes& labels, int64_t first) {
  Bytes bytes;
  for (size_t i = 0; i < labels.size(); ++i) {
    bytes.push_back(labels[i]);
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 32; ++y)
        for (int64_t x = 0; x < 32; ++x) bytes.push_back(pixel_at(first + i, c, y, x));
  }
  return bytes;
}

}  // namespace

using ag_test::error_of;  // the ag::Error message a call throws

TEST_SUITE("data.readers") {

TEST_CASE("IDX images and labels read back exactly, raw and gzipped") {
  ag::test::TempDir dir;
  ag::test::write_file(dir.file("images"), idx_images(3, 28, 28));
  ag::test::write_file(dir.file("labels"), idx_labels({3, 0, 9}));
  ag::test::run_gzip("-9", dir.file("images"), dir.file("images.gz"));
  ag::test::run_gzip("-9", dir.file("labels"), dir.file("labels.gz"));

  for (const char* name : {"images", "images.gz"}) {
    CAPTURE(name);
    ag::data::IdxImages images = ag::data::read_idx_images(dir.file(name));
    CHECK(images.count == 3);
    CHECK(images.rows == 28);
    CHECK(images.cols == 28);
    REQUIRE(images.pixels.size() == 3u * 28 * 28);
    int mismatches = 0;
    for (int64_t n = 0; n < 3; ++n)
      for (int64_t y = 0; y < 28; ++y)
        for (int64_t x = 0; x < 28; ++x)
          mismatches += images.pixels[(n * 28 + y) * 28 + x] != pixel_at(n, 0, y, x);
    CHECK(mismatches == 0);
  }
  CHECK(ag::data::read_idx_labels(dir.file("labels")) == Bytes{3, 0, 9});
  CHECK(ag::data::read_idx_labels(dir.file("labels.gz")) == Bytes{3, 0, 9});
  // Non-square images keep rows and cols apart.
  ag::data::IdxImages wide = ag::data::parse_idx_images(idx_images(2, 3, 5), "wide");
  CHECK(wide.rows == 3);
  CHECK(wide.cols == 5);
  CHECK(wide.pixels[(1 * 3 + 2) * 5 + 4] == pixel_at(1, 0, 2, 4));
}

TEST_CASE("broken IDX files name the file and what was expected") {
  using ag::data::parse_idx_images;
  using ag::data::parse_idx_labels;
  Bytes good = idx_images(3, 28, 28);

  CHECK(error_of([&] {
          parse_idx_images(idx_labels({1, 2}), "labels.idx");
        }) ==
        "read_idx_images: 'labels.idx' has 1 dimensions (magic 0x00000801), expected 3 (count, "
        "rows, cols) "
        "(magic 0x00000803, images)");
  CHECK(error_of([&] { parse_idx_labels(good, "images.idx"); }) ==
        "read_idx_labels: 'images.idx' has 3 dimensions (magic 0x00000803), expected 1 (count) "
        "(magic 0x00000801, labels)");
  Bytes bad = good;
  bad[0] = 0x12;
  CHECK(error_of([&] { parse_idx_images(bad, "x"); }) ==
        "read_idx_images: 'x' is not an IDX file: magic 0x12000803, expected 0x00000803 (images)");
  bad = good;
  bad[2] = 0x0d;  // IDX type code for float32
  CHECK(
      error_of([&] { parse_idx_images(bad, "x"); }) ==
      "read_idx_images: 'x' has IDX element type 13 (magic 0x00000d03), expected 8 = unsigned byte "
      "(magic 0x00000803)");

  Bytes truncated(good.begin(), good.end() - 1);
  CHECK(error_of([&] { parse_idx_images(truncated, "cut"); }) ==
        "read_idx_images: 'cut' header says 3 x 28 x 28 = 2352 bytes of data but the file holds "
        "2351 after "
        "the 16-byte header (truncated file?)");
  Bytes longer = good;
  longer.push_back(0);
  CHECK(error_of([&] { parse_idx_images(longer, "long"); }) ==
        "read_idx_images: 'long' header says 3 x 28 x 28 = 2352 bytes of data but the file holds "
        "2353 after "
        "the 16-byte header (extra bytes at the end)");
  Bytes huge =
      idx_images(0, 0, 0);  // then claim 2^32-1 in every dimension: the product overflows 64 bits
  for (size_t i = 4; i < 16; ++i) huge[i] = 0xff;
  CHECK(error_of([&] { parse_idx_images(huge, "huge"); }) ==
        "read_idx_images: 'huge' header promises images of 4294967295 x 4294967295 pixels, larger "
        "than the limit "
        "of 64 x 64 the caller set");
  // With no limits to speak of, the overflow itself is caught.
  const ag::data::IdxLimits unlimited{INT64_MAX, INT64_MAX};
  CHECK(error_of([&] { parse_idx_images(huge, "huge", unlimited); }) ==
        "read_idx_images: 'huge' header says 4294967295 x 4294967295 x 4294967295 bytes of data "
        "but the file "
        "holds 0 after the 16-byte header (truncated file?)");
  CHECK(error_of([&] { parse_idx_images(Bytes(good.begin(), good.begin() + 10), "short"); }) ==
        "read_idx_images: 'short' is 10 bytes, too short for its 16-byte IDX header (truncated "
        "file)");
  CHECK(error_of([&] {
          parse_idx_labels(Bytes{0, 0}, "tiny");
        }) ==
        "read_idx_labels: 'tiny' is 2 bytes, too short for an IDX header (expected magic "
        "0x00000801)");

  CHECK(error_of([&] {
          parse_idx_labels(idx_labels({1, 9, 10}), "l");
        }) == "read_idx_labels: 'l' label 2 is 10, expected 0..9");
  CHECK(parse_idx_labels(idx_labels({1, 9, 10}), "l", 0) == Bytes{1, 9, 10});  // 0 = no class check
  CHECK(parse_idx_images(idx_images(0, 28, 28), "none").count == 0);  // an empty set is valid

  ag::test::TempDir dir;
  const std::string missing = dir.file("nope-idx3-ubyte.gz");
  CHECK(error_of([&] { ag::data::read_idx_images(missing); }) ==
        "read_file_bytes: cannot open '" + missing + "': No such file or directory");
  // A damaged .gz reports the gzip problem with the file's path.
  ag::test::write_file(dir.file("images"), good);
  ag::test::run_gzip("-6", dir.file("images"), dir.file("images.gz"));
  Bytes gz = ag::data::read_file_bytes(dir.file("images.gz"));
  ag::test::write_file(dir.file("cut.gz"), Bytes(gz.begin(), gz.end() - 5));
  CHECK(error_of([&] { ag::data::read_idx_images(dir.file("cut.gz")); }) ==
        "gunzip: " + dir.file("cut.gz") + ": truncated gzip trailer (CRC-32 and length)");
}

TEST_CASE(
    "IDX limits come from the caller: counts, sides and empty images are refused at the header") {
  using ag::data::IdxLimits;
  using ag::data::parse_idx_images;
  using ag::data::parse_idx_labels;
  // A header and no data: every check below must fire before the size check.
  auto header = [](uint32_t count, uint32_t rows, uint32_t cols) {
    Bytes bytes;
    for (uint32_t word : {0x00000803u, count, rows, cols}) put_be32(bytes, word);
    return bytes;
  };
  // The fuzzer's input: four billion images of no pixels, which is 0 bytes
  // of data, so the file "held" exactly what its header said.
  CHECK(error_of([&] { parse_idx_images(header(4278190079u, 4294967295u, 0), "zero"); }) ==
        "read_idx_images: 'zero' header says 4278190079 x 4294967295 x 0: images of 4294967295 x 0 "
        "pixels are "
        "empty (rows and cols must be at least 1)");
  CHECK(error_of([&] { parse_idx_images(header(5, 0, 28), "rows"); }) ==
        "read_idx_images: 'rows' header says 5 x 0 x 28: images of 0 x 28 pixels are empty (rows "
        "and cols must "
        "be at least 1)");
  // The file: 1,369,568 images of 28 x 28 is 1073741312 bytes.
  const IdxLimits mnist_train{60000, 28};
  CHECK(error_of([&] { parse_idx_images(header(1369568, 28, 28), "big", mnist_train); }) ==
        "read_idx_images: 'big' header promises 1369568 images (1369568 x 28 x 28 = 1073741312 "
        "bytes), more than "
        "the limit of 60000 images the caller set");
  CHECK(error_of([&] { parse_idx_images(header(1, 29, 28), "tall", mnist_train); }) ==
        "read_idx_images: 'tall' header promises images of 29 x 28 pixels, larger than the limit "
        "of 28 x 28 the "
        "caller set");
  // The defaults: 70000 items (MNIST's 60000 + 10000), sides up to 64.
  CHECK(error_of([&] { parse_idx_images(header(70001, 1, 1), "d"); }) ==
        "read_idx_images: 'd' header promises 70001 images (70001 x 1 x 1 = 70001 bytes), more "
        "than the limit of "
        "70000 images the caller set");
  Bytes labels_header;
  for (uint32_t word : {0x00000801u, 70001u}) put_be32(labels_header, word);
  CHECK(error_of([&] { parse_idx_labels(labels_header, "l"); }) ==
        "read_idx_labels: 'l' header promises 70001 labels (70001 bytes), more than the limit of "
        "70000 labels the "
        "caller set");
  // Exactly at the limits is fine; one past is not.
  CHECK(parse_idx_images(idx_images(3, 2, 2), "ok", IdxLimits{3, 2}).pixels.size() == 12);
  CHECK_FAILS_WITH(parse_idx_images(idx_images(3, 2, 2), "x", IdxLimits{2, 2}),
                   "more than the limit of 2 images");
  CHECK(parse_idx_labels(idx_labels({1, 2}), "ok", 10, IdxLimits{2, 1}) == Bytes{1, 2});
  CHECK_FAILS_WITH(parse_idx_labels(idx_labels({1, 2}), "x", 10, IdxLimits{1, 1}),
                   "more than the limit of 1 labels");

  // Reading from disk is bounded by the same limits: a file larger than any
  // the limits allow is refused while it is read (20 bytes of IDX for
  // {1, 2}, and max_gzip_file_bytes adds an eighth and 1 MiB).
  ag::test::TempDir dir;
  ag::test::write_file(dir.file("long"), Bytes(1048599, 0));
  CHECK(ag::data::max_gzip_file_bytes(20) == 20 + 2 + 1048576);
  CHECK(error_of([&] {
          ag::data::read_idx_images(dir.file("long"), IdxLimits{1, 2});
        }) == "read_file_bytes: '" + dir.file("long") +
                  "' is larger than the limit of 1048598 bytes the caller set");
}

TEST_CASE("CIFAR-10 batches read back exactly, one file and the whole set") {
  ag::test::TempDir dir;
  // data_batch_k holds k images, test_batch 2; image numbers continue across files.
  const Bytes all_labels = {6, 9, 9, 4, 1, 1, 2, 7, 8, 3, 4, 0, 5, 2, 3};
  int64_t first = 0;
  for (int k = 1; k <= 5; ++k) {
    Bytes labels(all_labels.begin() + first, all_labels.begin() + first + k);
    ag::test::write_file(dir.file("data_batch_" + std::to_string(k) + ".bin"),
                         cifar_records(labels, first));
    first += k;
  }
  ag::test::write_file(dir.file("test_batch.bin"), cifar_records({3, 8}, 100));

  ag::data::CifarImages train = ag::data::read_cifar10(dir.path.string(), true);
  CHECK(train.count == 15);
  CHECK(train.labels == all_labels);
  REQUIRE(train.pixels.size() == 15u * 3072);
  int mismatches = 0;
  for (int64_t n = 0; n < 15; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 32; ++y)
        for (int64_t x = 0; x < 32; ++x)
          mismatches += train.pixels[((n * 3 + c) * 32 + y) * 32 + x] != pixel_at(n, c, y, x);
  CHECK(mismatches == 0);

  ag::data::CifarImages test = ag::data::read_cifar10(dir.path.string(), false);
  CHECK(test.count == 2);
  CHECK(test.labels == Bytes{3, 8});
  CHECK(test.pixels[3072 + (2 * 32 + 31) * 32 + 0] ==
        pixel_at(101, 2, 31, 0));  // image 1, blue, row 31

  // A gzipped batch reads the same.
  ag::test::run_gzip("-6", dir.file("test_batch.bin"), dir.file("test_batch.bin.gz"));
  CHECK(ag::data::read_cifar10_batch(dir.file("test_batch.bin.gz")).pixels == test.pixels);
}

TEST_CASE("broken CIFAR-10 files name the file and the rule") {
  using ag::data::parse_cifar10_batch;
  Bytes records = cifar_records({1, 2, 3}, 0);
  Bytes cut(records.begin(), records.end() - 100);
  CHECK(error_of([&] { parse_cifar10_batch(cut, "b.bin"); }) ==
        "read_cifar10: 'b.bin' is 9119 bytes, not a multiple of the 3073-byte record (1 label + "
        "3x32x32 "
        "pixels): 2 records and 2973 bytes left over (truncated file?)");
  Bytes bad_label = records;
  bad_label[3073] = 10;  // the label byte of record 1
  CHECK(error_of([&] { parse_cifar10_batch(bad_label, "b.bin"); }) ==
        "read_cifar10: 'b.bin' record 1 has label 10, expected 0..9 (is this the binary version of "
        "CIFAR-10?)");
  CHECK(error_of([&] { parse_cifar10_batch({}, "e.bin"); }) ==
        "read_cifar10: 'e.bin' is empty, expected records of 3073 bytes");
  // A batch file holds 10000 records: one more is not a batch file (raw files
  // too, not only the gzipped ones the decompression limit stops).
  CHECK(parse_cifar10_batch(Bytes(10000 * 3073, 0), "full.bin").count == 10000);
  CHECK(error_of([&] { parse_cifar10_batch(Bytes(10001 * 3073, 0), "big.bin"); }) ==
        "read_cifar10: 'big.bin' holds 10001 records, more than the 10000 a batch file holds");

  ag::test::TempDir dir;  // only two of the five training files
  ag::test::write_file(dir.file("data_batch_1.bin"), records);
  ag::test::write_file(dir.file("data_batch_2.bin"), records);
  const std::string missing = dir.file("data_batch_3.bin");
  CHECK(error_of([&] { ag::data::read_cifar10(dir.path.string(), true); }) ==
        "read_file_bytes: cannot open '" + missing +
            "': No such file or directory (read_cifar10 expects the directory cifar-10-batches-bin "
            "with "
            "data_batch_1..5.bin and test_batch.bin)");
}

TEST_CASE("Fashion-MNIST from the Debian package, if installed") {
  const std::string root = "/usr/share/datasets/fashion-mnist/";
  if (!std::filesystem::exists(root + "t10k-images-idx3-ubyte.gz")) {
    MESSAGE("skipped: " << root << " not found (apt-get install dataset-fashion-mnist)");
    return;
  }
  ag::data::IdxImages images = ag::data::read_idx_images(root + "t10k-images-idx3-ubyte.gz");
  CHECK(images.count == 10000);
  CHECK(images.rows == 28);
  CHECK(images.cols == 28);
  CHECK(images.pixels.size() == 10000u * 28 * 28);

  for (const char* name : {"t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"}) {
    CAPTURE(name);
    Bytes labels = ag::data::read_idx_labels(root + name);
    // The classes are balanced by construction: 1000 per class in test, 6000 in train.
    std::vector<int> per_class(10, 0);
    for (uint8_t label : labels) per_class.at(label)++;
    const int expected = labels.size() == 10000 ? 1000 : 6000;
    CHECK((labels.size() == 10000 || labels.size() == 60000));
    for (int c = 0; c < 10; ++c) CHECK(per_class[c] == expected);
  }
  // The first test image is an ankle boot (class 9), as the dataset's README shows.
  CHECK(ag::data::read_idx_labels(root + "t10k-labels-idx1-ubyte.gz")[0] == 9);
}

}  // TEST_SUITE("data.readers")
