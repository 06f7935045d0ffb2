// data/idx.h: the IDX file format of MNIST and Fashion-MNIST.
//
// An IDX file is a tiny header and then a dense array, all big-endian:
//   bytes 0-1   0x00 0x00
//   byte  2     element type: 0x08 = unsigned byte (the only one MNIST uses)
//   byte  3     number of dimensions D
//   D x 4 bytes the size of each dimension, outermost first
//   then        the elements, row-major
// So images are magic 0x00000803 with dims (N, rows, cols) and labels are
// 0x00000801 with dims (N). Files may be gzipped (.gz as distributed); the
// readers detect that from the content, not the name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ag::data {

// N grayscale images of rows x cols pixels, 0 = background.
struct IdxImages {
  int64_t count = 0;
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<uint8_t>
      pixels;  // (N, rows, cols) row-major: pixel (n, y, x) at (n*rows + y)*cols + x
};

// What the caller accepts from one file, checked against the header before
// any data is decoded or allocated, so no file can raise it: a 1 MB .gz whose
// header promises a million images is refused at its 16th byte, not after
// decoding a gigabyte. The defaults fit every file of MNIST and Fashion-MNIST;
// data/datasets.cpp passes each split's exact size (60000 or 10000, 28).
constexpr int64_t kIdxDefaultMaxCount = 70000;  // images or labels: 60000 training + 10000 test
constexpr int64_t kIdxDefaultMaxSide = 64;      // image rows and cols (MNIST's are 28)
struct IdxLimits {
  int64_t max_count = kIdxDefaultMaxCount;
  int64_t max_side = kIdxDefaultMaxSide;
};
// Every header must also describe real images: rows and cols of at least 1
// (a count of images with no pixels would be a file of any count and no data).

// Parse an already-decompressed IDX file; `what` names it in error messages.
// The bytes are taken (move them in): the data is kept in their buffer.
IdxImages parse_idx_images(std::vector<uint8_t> bytes, const std::string& what,
                           const IdxLimits& limits = {});
// Labels; each must be < num_classes (pass 0 to skip that check).
std::vector<uint8_t> parse_idx_labels(std::vector<uint8_t> bytes, const std::string& what,
                                      int num_classes = 10, const IdxLimits& limits = {});

// The bytes of a file, raw or gzipped. A gzipped file may not decompress to
// more than its header promises, which the limits bound (the error names the
// file and that size).
IdxImages decode_idx_images(std::vector<uint8_t> file_bytes, const std::string& what,
                            const IdxLimits& limits = {});
std::vector<uint8_t> decode_idx_labels(std::vector<uint8_t> file_bytes, const std::string& what,
                                       int num_classes = 10, const IdxLimits& limits = {});

// Read from a path, raw or gzipped, as decode_idx_* do.
IdxImages read_idx_images(const std::string& path, const IdxLimits& limits = {});
std::vector<uint8_t> read_idx_labels(const std::string& path, int num_classes = 10,
                                     const IdxLimits& limits = {});

}  // namespace ag::data
