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
  std::vector<uint8_t> pixels;  // (N, rows, cols) row-major: pixel (n, y, x) at (n*rows + y)*cols + x
};

// Parse an already-decompressed IDX file; `what` names it in error messages.
// The bytes are taken (move them in): the data is kept in their buffer.
IdxImages parse_idx_images(std::vector<uint8_t> bytes, const std::string& what);
// Labels; each must be < num_classes (pass 0 to skip that check).
std::vector<uint8_t> parse_idx_labels(std::vector<uint8_t> bytes, const std::string& what, int num_classes = 10);

// The bytes of a file, raw or gzipped. A gzipped file may not decompress to
// more than its header promises (the error names the file and that size).
IdxImages decode_idx_images(std::vector<uint8_t> file_bytes, const std::string& what);
std::vector<uint8_t> decode_idx_labels(std::vector<uint8_t> file_bytes, const std::string& what,
                                       int num_classes = 10);

// Read from a path, raw or gzipped, as decode_idx_* do.
IdxImages read_idx_images(const std::string& path);
std::vector<uint8_t> read_idx_labels(const std::string& path, int num_classes = 10);

}  // namespace ag::data
