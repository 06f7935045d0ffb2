// data/idx.cpp: reading MNIST-style IDX files (format described in idx.h).
//
// The checks run in the order the bytes are read, and each message names the
// file and says what was expected and what was found, so "I passed the label
// file as images" or "the download was cut short" is obvious from the error.

#include "data/idx.h"

#include <cstdio>
#include <limits>

#include "core/error.h"
#include "data/inflate.h"

namespace ag::data {
namespace {

constexpr uint8_t kTypeUnsignedByte = 0x08;

std::string hex32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", static_cast<unsigned>(value));
  return text;
}

uint32_t read_be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

// Checks the header of an IDX file that should hold unsigned bytes in
// `ndims` dimensions and that the data after it has exactly the size the
// dimensions promise. Returns the dimensions; the data starts at 4 + 4*ndims.
std::vector<int64_t> read_header(const std::vector<uint8_t>& bytes, const std::string& what, const char* op,
                                 int ndims, const char* kind, const char* dims_meaning) {
  const uint32_t expected_magic = 0x800u | static_cast<uint32_t>(ndims);
  if (bytes.size() < 4)
    fail(op, ": '", what, "' is ", bytes.size(), " bytes, too short for an IDX header (expected magic ",
         hex32(expected_magic), ")");
  const uint32_t magic = read_be32(bytes.data());
  if (bytes[0] != 0 || bytes[1] != 0)
    fail(op, ": '", what, "' is not an IDX file: magic ", hex32(magic), ", expected ", hex32(expected_magic),
         " (", kind, ")");
  if (bytes[2] != kTypeUnsignedByte)
    fail(op, ": '", what, "' has IDX element type ", int{bytes[2]}, " (magic ", hex32(magic),
         "), expected 8 = unsigned byte (magic ", hex32(expected_magic), ")");
  if (bytes[3] != ndims)
    fail(op, ": '", what, "' has ", int{bytes[3]}, " dimensions (magic ", hex32(magic), "), expected ", ndims,
         " ", dims_meaning, " (magic ", hex32(expected_magic), ", ", kind, ")");

  const size_t header_bytes = 4 + 4 * static_cast<size_t>(ndims);
  if (bytes.size() < header_bytes)
    fail(op, ": '", what, "' is ", bytes.size(), " bytes, too short for its ", header_bytes,
         "-byte IDX header (truncated file)");
  std::vector<int64_t> dims(ndims);
  for (int d = 0; d < ndims; ++d) dims[d] = read_be32(bytes.data() + 4 + 4 * d);

  // Expected data size = product of the dims. Three 32-bit dims can
  // overflow 64 bits, so check before each multiplication.
  const uint64_t payload = bytes.size() - header_bytes;
  uint64_t expected = 1;
  bool too_big = false;
  std::string product;
  for (int d = 0; d < ndims; ++d) {
    product += (d ? " x " : "") + std::to_string(dims[d]);
    uint64_t dim = static_cast<uint64_t>(dims[d]);
    if (dim != 0 && expected > std::numeric_limits<uint64_t>::max() / dim) too_big = true;
    else expected *= dim;
  }
  if (too_big || expected != payload)
    fail(op, ": '", what, "' header says ", product, (too_big ? "" : " = " + std::to_string(expected)),
         " bytes of data but the file holds ", payload, " after the ", header_bytes, "-byte header",
         (too_big || expected > payload ? " (truncated file?)" : " (extra bytes at the end)"));
  return dims;
}

}  // namespace

IdxImages parse_idx_images(const std::vector<uint8_t>& bytes, const std::string& what) {
  std::vector<int64_t> dims =
      read_header(bytes, what, "read_idx_images", 3, "images", "(count, rows, cols)");
  IdxImages images;
  images.count = dims[0];
  images.rows = dims[1];
  images.cols = dims[2];
  images.pixels.assign(bytes.begin() + 16, bytes.end());
  return images;
}

std::vector<uint8_t> parse_idx_labels(const std::vector<uint8_t>& bytes, const std::string& what,
                                      int num_classes) {
  read_header(bytes, what, "read_idx_labels", 1, "labels", "(count)");
  std::vector<uint8_t> labels(bytes.begin() + 8, bytes.end());
  if (num_classes > 0) {
    for (size_t i = 0; i < labels.size(); ++i)
      if (labels[i] >= num_classes)
        fail("read_idx_labels: '", what, "' label ", i, " is ", int{labels[i]}, ", expected 0..",
             num_classes - 1);
  }
  return labels;
}

IdxImages read_idx_images(const std::string& path) { return parse_idx_images(read_maybe_gzip(path), path); }

std::vector<uint8_t> read_idx_labels(const std::string& path, int num_classes) {
  return parse_idx_labels(read_maybe_gzip(path), path, num_classes);
}

}  // namespace ag::data
