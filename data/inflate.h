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
#include <vector>

namespace ag::data {

// Decode one raw DEFLATE stream (no zlib or gzip header) starting at
// `data[0]`. Decoding stops after the block marked final; if `consumed` is not
// null it receives the number of input bytes the stream occupied (rounded up
// to a whole byte, as the stream ends on a byte boundary in every container).
// `size_hint` is a guess of the output size, used only to reserve memory.
std::vector<uint8_t> inflate_raw(const uint8_t* data, size_t size, const std::string& what,
                                 size_t* consumed = nullptr, size_t size_hint = 0);
std::vector<uint8_t> inflate_raw(const std::vector<uint8_t>& bytes, const std::string& what);

// Decode a complete .gz file: one or more gzip members back to back (what
// `cat a.gz b.gz` produces), each checked against its CRC-32 and length.
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& bytes, const std::string& what);

// CRC-32 as gzip, zip and PNG use it (reflected polynomial 0xEDB88320).
// Pass the previous result as `crc` to continue a running checksum.
uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc = 0);

// True if `bytes` starts with the gzip magic number 1f 8b.
bool looks_gzipped(const std::vector<uint8_t>& bytes);

// The whole file as bytes; throws ag::Error naming the path if it cannot be read.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// The file's bytes, gunzipped first if the file starts with 1f 8b, so a reader
// accepts both "train-images-idx3-ubyte" and "train-images-idx3-ubyte.gz".
std::vector<uint8_t> read_maybe_gzip(const std::string& path);

}  // namespace ag::data
