// data/inflate.h: reading .gz files without zlib.
//
// MNIST and Fashion-MNIST ship as gzip files. Rather than depend on zlib we
// decode them ourselves; the whole format fits in two short files:
//
//   data/inflate.cpp  DEFLATE (RFC 1951): the compressed bit stream. Three
//                     block kinds: stored (raw bytes), fixed Huffman and
//                     dynamic Huffman, with LZ77 back-references.
//   data/gzip.cpp     gzip (RFC 1952): the envelope around a DEFLATE stream
//                     (header, CRC-32, size), plus the file helpers below.
//
// Every damaged input (wrong magic, truncated stream, impossible Huffman code,
// back-reference before the start, checksum mismatch, ...) throws ag::Error
// whose message names `what` (usually the file path) and the problem. The
// decoder never reads or writes outside its buffers, whatever the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace ag::data {

// A small file can inflate to a huge one (DEFLATE reaches about 1032:1: a
// 1 MB .gz can hold 1 GB of zeros), so every decoder here takes the most
// output its caller will accept and throws InflateLimitError, naming `what`
// and the limit, as soon as the data would pass it. Memory grows only as
// output is actually produced. The IDX and CIFAR readers pass the size their
// caller allows (never a size the file itself states); other callers get
// kDefaultInflateLimit.
constexpr size_t kDefaultInflateLimit = size_t{256} << 20;  // 256 MiB

class InflateLimitError : public Error {
 public:
  using Error::Error;
};

// Decode one raw DEFLATE stream (no zlib or gzip header) starting at
// `data[0]`. Decoding stops after the block marked final; if `consumed` is not
// null it receives the number of input bytes the stream occupied (rounded up
// to a whole byte, as the stream ends on a byte boundary in every container).
std::vector<uint8_t> inflate_raw(const uint8_t* data, size_t size, const std::string& what,
                                 size_t max_output, size_t* consumed = nullptr);
std::vector<uint8_t> inflate_raw(const std::vector<uint8_t>& bytes, const std::string& what,
                                 size_t max_output = kDefaultInflateLimit);

// Output being decoded, shared by the streams of one file (the members of a
// .gz): bytes[0, size) are decoded; `bytes` may be longer, room made ahead
// and not written yet. Room grows by doubling and is kept from one stream to
// the next, so a file of 10,000 small members costs time linear in its output
// (cutting the buffer to `size` after each member and growing it again for
// the next made that quadratic). take() cuts it once, at the end.
struct InflateOutput {
  std::vector<uint8_t> bytes;
  size_t size = 0;
  std::vector<uint8_t> take() {
    bytes.resize(size);
    return std::move(bytes);
  }
};

// The engine of both: decodes the stream at data[0..size) onto the end of
// `out` (back-references never reach into what `out` held before), keeping
// out.size <= max_output. Returns the input bytes the stream occupied, or 0
// if it stopped early because out.size reached stop_at (then out.size is
// exactly stop_at and the rest of the stream is not checked).
size_t inflate_append(const uint8_t* data, size_t size, const std::string& what, InflateOutput& out,
                      size_t max_output, size_t stop_at = SIZE_MAX);

// Decode a complete .gz file: one or more gzip members back to back (what
// `cat a.gz b.gz` produces), each checked against its CRC-32 and length.
// max_output limits the total decoded size.
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& bytes, const std::string& what,
                            size_t max_output = kDefaultInflateLimit);

// The first n decoded bytes of a .gz file (fewer if it holds less), across
// members, without decoding the rest: enough to read a header that says how
// big the whole is. Nothing after those bytes is checked (not even the CRCs).
std::vector<uint8_t> gunzip_head(const std::vector<uint8_t>& bytes, const std::string& what,
                                 size_t n);

// CRC-32 as gzip, zip and PNG use it (reflected polynomial 0xEDB88320).
// Pass the previous result as `crc` to continue a running checksum.
uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc = 0);

// True if `bytes` starts with the gzip magic number 1f 8b.
bool looks_gzipped(const std::vector<uint8_t>& bytes);

// The whole file as bytes; throws ag::Error naming the path if it cannot be
// read, or as soon as it passes max_bytes (so reading takes at most about
// max_bytes of memory, whatever the file's size).
std::vector<uint8_t> read_file_bytes(const std::string& path, size_t max_bytes = SIZE_MAX);

// The largest .gz file that can hold at most max_output decoded bytes (plus
// room to spare): gzip's stored blocks add 5 bytes per 65535, a member's
// header and trailer about 20. A reader that accepts max_output bytes reads
// at most this much of a file, gzipped or not.
size_t max_gzip_file_bytes(size_t max_output);

// The file's bytes, gunzipped first if the file starts with 1f 8b, so a reader
// accepts both "train-images-idx3-ubyte" and "train-images-idx3-ubyte.gz".
// At most max_gzip_file_bytes(max_output) bytes of the file are read.
std::vector<uint8_t> read_maybe_gzip(const std::string& path,
                                     size_t max_output = kDefaultInflateLimit);

}  // namespace ag::data
