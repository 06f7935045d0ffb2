// data/idx.cpp: reading MNIST-style IDX files (format described in idx.h).
//
// The checks run in the order the bytes are read, and each message names the
// file and says what was expected and what was found, so "I passed the label
// file as images" or "the download was cut short" is obvious from the error.

#include "data/idx.h"

#include <algorithm>
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

// The layout an IDX header promises: its dimensions and how many bytes the
// whole file must then have.
struct IdxLayout {
  std::vector<int64_t> dims;
  size_t header_bytes = 0;
  uint64_t data_bytes = 0;  // product of the dims, if !too_big
  bool too_big = false;     // the product overflows 64 bits
  std::string product;      // "60000 x 28 x 28", for messages
};

// The dims against the caller's limits. Images first need pixels: with a
// side of 0 the product is 0 whatever the count, so a header of 4278190079 x
// 4294967295 x 0 would "hold" four billion images in no bytes at all.
void check_limits(const IdxLayout& layout, const std::string& what, const char* op,
                  const char* kind, const IdxLimits& limits) {
  const int64_t count = layout.dims[0];
  if (layout.dims.size() == 3) {
    const int64_t rows = layout.dims[1], cols = layout.dims[2];
    if (rows == 0 || cols == 0)
      fail(op, ": '", what, "' header says ", layout.product, ": images of ", rows, " x ", cols,
           " pixels are empty (rows and cols must be at least 1)");
    if (rows > limits.max_side || cols > limits.max_side)
      fail(op, ": '", what, "' header promises images of ", rows, " x ", cols,
           " pixels, larger than the limit of ", limits.max_side, " x ", limits.max_side,
           " the caller set");
  }
  if (count > limits.max_count) {
    // "1369568 x 28 x 28 = 1073741312 bytes" for images, "70001 bytes" for labels.
    std::string size = layout.too_big ? layout.product : std::to_string(layout.data_bytes);
    if (layout.dims.size() > 1 && !layout.too_big) size = layout.product + " = " + size;
    fail(op, ": '", what, "' header promises ", count, " ", kind, " (", size,
         " bytes), more than the limit of ", limits.max_count, " ", kind, " the caller set");
  }
}

// Checks the header of an IDX file that should hold unsigned bytes in
// `ndims` dimensions (bytes may hold only the header, or more).
IdxLayout read_layout(const std::vector<uint8_t>& bytes, const std::string& what, const char* op,
                      int ndims, const char* kind, const char* dims_meaning,
                      const IdxLimits& limits) {
  const uint32_t expected_magic = 0x800u | static_cast<uint32_t>(ndims);
  if (bytes.size() < 4)
    fail(op, ": '", what, "' is ", bytes.size(),
         " bytes, too short for an IDX header (expected magic ", hex32(expected_magic), ")");
  const uint32_t magic = read_be32(bytes.data());
  if (bytes[0] != 0 || bytes[1] != 0)
    fail(op, ": '", what, "' is not an IDX file: magic ", hex32(magic), ", expected ",
         hex32(expected_magic), " (", kind, ")");
  if (bytes[2] != kTypeUnsignedByte)
    fail(op, ": '", what, "' has IDX element type ", int{bytes[2]}, " (magic ", hex32(magic),
         "), expected 8 = unsigned byte (magic ", hex32(expected_magic), ")");
  if (bytes[3] != ndims)
    fail(op, ": '", what, "' has ", int{bytes[3]}, " dimensions (magic ", hex32(magic),
         "), expected ", ndims, " ", dims_meaning, " (magic ", hex32(expected_magic), ", ", kind,
         ")");

  IdxLayout layout;
  layout.header_bytes = 4 + 4 * static_cast<size_t>(ndims);
  if (bytes.size() < layout.header_bytes)
    fail(op, ": '", what, "' is ", bytes.size(), " bytes, too short for its ", layout.header_bytes,
         "-byte IDX header (truncated file)");
  layout.dims.resize(ndims);
  for (int d = 0; d < ndims; ++d) layout.dims[d] = read_be32(bytes.data() + 4 + 4 * d);

  // Expected data size = product of the dims. Three 32-bit dims can
  // overflow 64 bits, so check before each multiplication.
  layout.data_bytes = 1;
  for (int d = 0; d < ndims; ++d) {
    layout.product += (d ? " x " : "") + std::to_string(layout.dims[d]);
    uint64_t dim = static_cast<uint64_t>(layout.dims[d]);
    if (dim != 0 && layout.data_bytes > std::numeric_limits<uint64_t>::max() / dim)
      layout.too_big = true;
    else
      layout.data_bytes *= dim;
  }
  check_limits(layout, what, op, kind, limits);
  return layout;
}

// The data after the header must have exactly the size the dimensions promise.
void check_payload(const IdxLayout& layout, uint64_t payload, const std::string& what,
                   const char* op) {
  const uint64_t expected = layout.data_bytes;
  if (layout.too_big || expected != payload)
    fail(op, ": '", what, "' header says ", layout.product,
         (layout.too_big ? "" : " = " + std::to_string(expected)),
         " bytes of data but the file holds ", payload, " after the ", layout.header_bytes,
         "-byte header",
         (layout.too_big || expected > payload ? " (truncated file?)"
                                               : " (extra bytes at the end)"));
}

// The header, checked; the bytes are then the header and exactly its data.
IdxLayout read_header(const std::vector<uint8_t>& bytes, const std::string& what, const char* op,
                      int ndims, const char* kind, const char* dims_meaning,
                      const IdxLimits& limits) {
  IdxLayout layout = read_layout(bytes, what, op, ndims, kind, dims_meaning, limits);
  check_payload(layout, bytes.size() - layout.header_bytes, what, op);
  return layout;
}

// A file's bytes, decompressed if gzipped. That takes two steps: the first
// bytes, whose header says how large the whole must be (and which must be
// within the caller's limits), then the whole with exactly that size as the
// limit, so a small .gz cannot decode into more than it promised, and it can
// promise no more than the caller allows.
std::vector<uint8_t> decompress_idx(std::vector<uint8_t> bytes, const std::string& path,
                                    const char* op, int ndims, const char* kind,
                                    const char* dims_meaning, const IdxLimits& limits) {
  if (!looks_gzipped(bytes)) return bytes;
  const size_t header_bytes = 4 + 4 * static_cast<size_t>(ndims);
  IdxLayout layout = read_layout(gunzip_head(bytes, path, header_bytes), path, op, ndims, kind,
                                 dims_meaning, limits);
  if (layout.too_big || layout.data_bytes > SIZE_MAX - header_bytes)
    check_payload(layout, 0, path, op);
  const size_t limit = header_bytes + layout.data_bytes;
  try {
    return gunzip(bytes, path, limit);
  } catch (const InflateLimitError&) {
    fail(op, ": '", path, "' decompresses to more than the ", limit, " bytes its header promises (",
         header_bytes, "-byte header + ", layout.product, ")");
  }
}

// Reading the file is bounded by the limits too: no file, raw or gzipped,
// that the limits accept can be larger than this.
size_t max_file_bytes(int ndims, const IdxLimits& limits) {
  const auto count = static_cast<uint64_t>(std::max<int64_t>(limits.max_count, 0));
  const auto side = static_cast<uint64_t>(std::max<int64_t>(limits.max_side, 0));
  const uint64_t item = ndims == 3 ? side * side : 1;
  if (side > (uint64_t{1} << 20) || (item != 0 && count > SIZE_MAX / 2 / item)) return SIZE_MAX;
  return max_gzip_file_bytes(4 + 4 * static_cast<size_t>(ndims) + count * item);
}

}  // namespace

// The header is cut off in place (a memmove inside the same buffer), so a
// 47 MB file is never held twice.
IdxImages parse_idx_images(std::vector<uint8_t> bytes, const std::string& what,
                           const IdxLimits& limits) {
  const IdxLayout layout =
      read_header(bytes, what, "read_idx_images", 3, "images", "(count, rows, cols)", limits);
  IdxImages images;
  images.count = layout.dims[0];
  images.rows = layout.dims[1];
  images.cols = layout.dims[2];
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(layout.header_bytes));
  images.pixels = std::move(bytes);
  return images;
}

std::vector<uint8_t> parse_idx_labels(std::vector<uint8_t> bytes, const std::string& what,
                                      int num_classes, const IdxLimits& limits) {
  const IdxLayout layout =
      read_header(bytes, what, "read_idx_labels", 1, "labels", "(count)", limits);
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(layout.header_bytes));
  std::vector<uint8_t> labels = std::move(bytes);
  if (num_classes > 0) {
    for (size_t i = 0; i < labels.size(); ++i)
      if (labels[i] >= num_classes)
        fail("read_idx_labels: '", what, "' label ", i, " is ", int{labels[i]}, ", expected 0..",
             num_classes - 1);
  }
  return labels;
}

IdxImages decode_idx_images(std::vector<uint8_t> file_bytes, const std::string& what,
                            const IdxLimits& limits) {
  return parse_idx_images(decompress_idx(std::move(file_bytes), what, "read_idx_images", 3,
                                         "images", "(count, rows, cols)", limits),
                          what, limits);
}

std::vector<uint8_t> decode_idx_labels(std::vector<uint8_t> file_bytes, const std::string& what,
                                       int num_classes, const IdxLimits& limits) {
  return parse_idx_labels(decompress_idx(std::move(file_bytes), what, "read_idx_labels", 1,
                                         "labels", "(count)", limits),
                          what, num_classes, limits);
}

IdxImages read_idx_images(const std::string& path, const IdxLimits& limits) {
  return decode_idx_images(read_file_bytes(path, max_file_bytes(3, limits)), path, limits);
}

std::vector<uint8_t> read_idx_labels(const std::string& path, int num_classes,
                                     const IdxLimits& limits) {
  return decode_idx_labels(read_file_bytes(path, max_file_bytes(1, limits)), path, num_classes,
                           limits);
}

}  // namespace ag::data
