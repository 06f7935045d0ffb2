// data/inflate.cpp: a DEFLATE decoder (RFC 1951), written to be read.
//
// A DEFLATE stream is a run of blocks. Every block starts with 3 header bits:
//   BFINAL (1 bit)   1 on the last block of the stream
//   BTYPE  (2 bits)  0 stored, 1 fixed Huffman, 2 dynamic Huffman, 3 invalid
// A stored block is raw bytes. The two Huffman kinds carry symbols from two
// alphabets. The literal/length alphabet (0..285):
//   0..255    a literal byte: append it to the output
//   256       end of block
//   257..285  a back-reference (LZ77): symbol + extra bits give a length
//             3..258, then a symbol of the distance alphabet (0..29) + extra
//             bits give a distance 1..32768; copy `length` bytes starting
//             `distance` bytes back in the output produced so far.
// Fixed blocks use code lengths written in the RFC; dynamic blocks send their
// own code lengths first, themselves Huffman-coded (see read_dynamic_codes).
//
// Two speed decisions, both standard: the bit reader (data/bit_reader.h)
// keeps up to 64 bits in a register and refills 8 bytes at a time, and
// Huffman codes up to kFastBits long are decoded by one table lookup; longer
// (rarer) codes take the textbook bit-by-bit walk over the canonical code.

#include "data/inflate.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "data/bit_reader.h"

namespace ag::data {
namespace {

constexpr int kMaxCodeBits = 15;  // no DEFLATE code is longer than 15 bits
constexpr int kFastBits = 10;     // codes up to this long decode in one lookup
constexpr int kMaxLitLen = 288;   // literal/length alphabet incl. 2 unused symbols
constexpr int kMaxDist = 32;      // distance alphabet incl. 2 unused symbols

// Length symbols 257..285: base length and number of extra bits to add to it.
// Groups of four symbols share an extra-bit count that grows by one per group,
// so short (frequent) lengths get exact symbols and long ones share a symbol.
constexpr uint16_t kLengthBase[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                      15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                      67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr uint8_t kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
// Distance symbols 0..29, the same idea in pairs: 1, 2, 3, 4, then 5..6, 7..8, ...
constexpr uint16_t kDistBase[30] = {1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
                                    33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
                                    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                    6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

// A canonical Huffman code, given only the code length of each symbol
// (0 = symbol unused). RFC 1951 3.2.2: codes of the same length are
// consecutive integers in symbol order, and each length's first code follows
// the last code of the previous length, shifted left by one. So the lengths
// alone define the code, which is why a dynamic block only sends lengths.
struct Huffman {
  uint16_t count[kMaxCodeBits + 1];  // count[len]: number of codes of that length
  uint16_t symbols[kMaxLitLen];      // used symbols, sorted by (length, symbol) = code order
  // fast[next kFastBits stream bits] = symbol << 4 | code length, or 0 if
  // the code is longer than kFastBits (or invalid): then use decode_slow.
  uint16_t fast[1 << kFastBits];
};

// Builds `h` from `lengths[0..n)`. Returns how much of the code space is
// unused, in units of 2^-15 (0 = complete code), or -1 if the lengths ask for
// more codes than exist (over-subscribed: no prefix code could have them).
int build_huffman(Huffman& h, const uint8_t* lengths, int n) {
  std::fill(std::begin(h.count), std::end(h.count), 0);
  for (int sym = 0; sym < n; ++sym) h.count[lengths[sym]]++;
  h.count[0] = 0;

  // Kraft's inequality, counted in integers: each length-L code uses 2^-L of
  // the code space; `left` is the space still free at the current length.
  int left = 1;
  for (int len = 1; len <= kMaxCodeBits; ++len) {
    left = 2 * left - h.count[len];
    if (left < 0) return -1;
  }

  // Sort the used symbols into code order: by length, then by symbol value.
  uint16_t offset[kMaxCodeBits + 2] = {};
  for (int len = 1; len <= kMaxCodeBits; ++len) offset[len + 1] = offset[len] + h.count[len];
  for (int sym = 0; sym < n; ++sym)
    if (lengths[sym] != 0) h.symbols[offset[lengths[sym]]++] = static_cast<uint16_t>(sym);

  // The first code of each length (the RFC's next_code), then fill the fast
  // table: a code of length L, bit-reversed because the stream sends it
  // most-significant bit first, owns every table slot whose low L bits equal
  // it (the remaining high bits belong to whatever comes next in the stream).
  uint32_t next_code[kMaxCodeBits + 1] = {};
  for (int len = 1; len <= kMaxCodeBits; ++len)
    next_code[len] = (next_code[len - 1] + h.count[len - 1]) << 1;
  std::fill(std::begin(h.fast), std::end(h.fast), 0);
  for (int sym = 0; sym < n; ++sym) {
    int len = lengths[sym];
    if (len == 0) continue;
    uint32_t code = next_code[len]++;
    if (len > kFastBits) continue;
    uint32_t reversed = 0;
    for (int i = 0; i < len; ++i) reversed |= ((code >> i) & 1) << (len - 1 - i);
    for (uint32_t slot = reversed; slot < (1u << kFastBits); slot += 1u << len)
      h.fast[slot] = static_cast<uint16_t>(sym << 4 | len);
  }
  return left;
}

// The textbook decoder: read the code one bit at a time, most significant
// first. Among codes of length `len`, the valid values are first..first+count-1;
// if `code` falls there we are done, else extend it by one bit. Returns -1 if
// no code matches (possible only for incomplete codes or past-the-end input).
int decode_slow(BitReader& in, const Huffman& h) {
  uint32_t stream = in.peek(kMaxCodeBits);
  int code = 0, first = 0, index = 0;
  for (int len = 1; len <= kMaxCodeBits; ++len) {
    code |= stream & 1;
    stream >>= 1;
    int count = h.count[len];
    if (code - first < count) {
      in.consume(len);
      return h.symbols[index + code - first];
    }
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return -1;
}

int decode_symbol(BitReader& in, const Huffman& h) {
  uint32_t entry = h.fast[in.peek(kFastBits)];
  if (entry == 0) return decode_slow(in, h);
  in.consume(entry & 15);
  return static_cast<int>(entry >> 4);
}

// The output buffer (an InflateOutput, seen from one stream). Its bytes
// [0, size) are the output so far (earlier gzip members' output first, from
// `start` this stream's). It grows as output is produced, at most doubling, so
// memory follows what the stream actually decodes: no size taken from a
// trailer or a header is trusted in advance. A whole match (at most 258
// bytes) is made room for at once; nothing may pass `limit`, and decoding
// stops early once `stop_at` bytes are there.
struct Output {
  std::vector<uint8_t>& bytes;
  size_t& size;
  size_t start, limit, stop_at;
  const std::string& what;

  bool full() const { return size >= stop_at; }
  void make_room(size_t n) {
    if (n > limit - size)
      throw InflateLimitError(message(
          "inflate: ", what, ": the decompressed data passes the limit of ", limit, " bytes"));
    // Double (capped at the limit), so growing costs amortised O(1) per byte:
    // resize zero-fills the new room, and doubling means each byte is zeroed
    // at most once more than it is written.
    if (bytes.size() - size < n)
      bytes.resize(std::min(limit, std::max(2 * bytes.size(), size + n + 4096)));
  }
  void append(const uint8_t* src, size_t n) {
    if (n == 0) return;  // an empty stored block: memcpy into a still-empty (null) buffer is UB
    make_room(n);
    std::memcpy(bytes.data() + size, src, n);
    size += n;
  }
  // Caller has checked distance <= size - start and made room for `length` bytes.
  void copy_match(size_t distance, size_t length) {
    uint8_t* dst = bytes.data() + size;
    const uint8_t* src = dst - distance;
    if (distance >= length) {
      std::memcpy(dst, src, length);
    } else {
      // Overlapping copy, byte by byte on purpose: the bytes being written are
      // read again a few steps later. That is how a run is encoded: "aaaaaa"
      // is the literal 'a' then "copy 5 bytes from distance 1".
      for (size_t i = 0; i < length; ++i) dst[i] = src[i];
    }
    size += length;
  }
};

// A stored block: after the byte boundary, LEN and NLEN (16 bits each,
// little-endian, NLEN = ~LEN as a check) and then LEN raw bytes.
void copy_stored_block(BitReader& in, Output& out, const std::string& what) {
  size_t pos = in.align_to_byte();
  const uint8_t* data = in.data();
  if (in.size() - pos < 4)
    fail("inflate: ", what, ": truncated stream (stored block header cut off)");
  uint32_t len = data[pos] | data[pos + 1] << 8;
  uint32_t nlen = data[pos + 2] | data[pos + 3] << 8;
  if (len != (~nlen & 0xffff))
    fail("inflate: ", what, ": stored block length ", len, " does not match its check value ", nlen,
         " (expected ", ~len & 0xffff, ")");
  pos += 4;
  if (in.size() - pos < len)
    fail("inflate: ", what, ": truncated stream (stored block of ", len, " bytes, only ",
         in.size() - pos, " left)");
  out.append(data + pos, len);
  in.seek(pos + len);
}

// The heart of it: decode symbols until end-of-block.
void decode_huffman_block(BitReader& in, Output& out, const Huffman& litlen, const Huffman& dist) {
  while (!out.full()) {
    in.refill();
    int sym = decode_symbol(in, litlen);
    if (sym < 0) in.fail_corrupt("invalid literal/length code");
    if (in.overrun()) in.fail_truncated();
    if (sym < 256) {
      out.make_room(1);
      out.bytes[out.size++] = static_cast<uint8_t>(sym);
      continue;
    }
    if (sym == 256) return;
    if (sym > 285) in.fail_corrupt("invalid literal/length symbol ", sym, " (valid: 0..285)");
    size_t length = kLengthBase[sym - 257] + in.bits(kLengthExtra[sym - 257]);

    int dsym = decode_symbol(in, dist);
    if (dsym < 0) in.fail_corrupt("invalid distance code");
    if (dsym > 29) in.fail_corrupt("invalid distance symbol ", dsym, " (valid: 0..29)");
    size_t distance = kDistBase[dsym] + in.bits(kDistExtra[dsym]);
    if (in.overrun()) in.fail_truncated();
    if (distance > out.size - out.start)
      in.fail_corrupt("back-reference distance ", distance, " too far back (only ",
                      out.size - out.start, " bytes decoded so far)");
    out.make_room(length);
    out.copy_match(distance, length);
  }
}

// A code is usable if complete, or (RFC 1951 3.2.7) if it has a single code
// of one bit, or no codes at all (a block with only literals needs no
// distances). The code-length code must always be complete.
void check_code(const BitReader& in, const Huffman& h, int left, const char* which,
                bool allow_sparse) {
  if (left < 0) in.fail_corrupt("over-subscribed ", which, " code (more codes than bit patterns)");
  int used = 0;
  for (int len = 1; len <= kMaxCodeBits; ++len) used += h.count[len];
  bool sparse_ok = allow_sparse && (used == 0 || (used == 1 && h.count[1] == 1));
  if (left > 0 && !sparse_ok) in.fail_corrupt("incomplete ", which, " code (unused bit patterns)");
}

// A dynamic block's header: HLIT, HDIST, HCLEN, then the code lengths of the
// "code-length code" (3 bits each, in a fixed order that puts the likely
// ones first so trailing zeros can be left out), then the literal/length and
// distance code lengths written with that code. Symbols 0..15 are a length;
// 16 repeats the previous length 3..6 times, 17 writes 3..10 zeros, 18 writes
// 11..138 zeros.
void read_dynamic_codes(BitReader& in, Huffman& litlen, Huffman& dist) {
  in.refill();
  int nlen = static_cast<int>(in.bits(5)) + 257;
  int ndist = static_cast<int>(in.bits(5)) + 1;
  int ncode = static_cast<int>(in.bits(4)) + 4;
  if (nlen > 286)
    in.fail_corrupt("dynamic block declares ", nlen, " literal/length codes (at most 286)");
  if (ndist > 30) in.fail_corrupt("dynamic block declares ", ndist, " distance codes (at most 30)");

  static constexpr uint8_t kOrder[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                         11, 4,  12, 3, 13, 2, 14, 1, 15};
  uint8_t lengths[286 + 30] = {};
  for (int i = 0; i < ncode; ++i) {
    in.refill();
    lengths[kOrder[i]] = static_cast<uint8_t>(in.bits(3));
  }
  Huffman lencode;
  check_code(in, lencode, build_huffman(lencode, lengths, 19), "code-length", false);

  // Literal/length and distance lengths form one sequence: a repeat may run
  // from one into the other.
  std::fill(std::begin(lengths), std::end(lengths), 0);
  int index = 0;
  while (index < nlen + ndist) {
    in.refill();
    int sym = decode_symbol(in, lencode);
    if (sym < 0) in.fail_corrupt("invalid code-length code");
    if (sym < 16) {
      lengths[index++] = static_cast<uint8_t>(sym);
      continue;
    }
    uint8_t value = 0;
    int repeat = 0;
    if (sym == 16) {
      if (index == 0) in.fail_corrupt("code-length repeat (symbol 16) with no previous length");
      value = lengths[index - 1];
      repeat = 3 + static_cast<int>(in.bits(2));
    } else if (sym == 17) {
      repeat = 3 + static_cast<int>(in.bits(3));
    } else {
      repeat = 11 + static_cast<int>(in.bits(7));
    }
    if (index + repeat > nlen + ndist)
      in.fail_corrupt("code-length repeat runs past the ", nlen + ndist, " declared lengths");
    std::fill(lengths + index, lengths + index + repeat, value);
    index += repeat;
  }
  if (in.overrun()) in.fail_truncated();
  if (lengths[256] == 0) in.fail_corrupt("dynamic block has no end-of-block code");
  check_code(in, litlen, build_huffman(litlen, lengths, nlen), "literal/length", true);
  check_code(in, dist, build_huffman(dist, lengths + nlen, ndist), "distance", true);
}

// The fixed codes of RFC 1951 3.2.6, built once. All 288 literal/length and
// 32 distance symbols get codes, so that the never-used ones (286, 287, 30,
// 31) decode and get a precise error message instead of "invalid code".
struct FixedCodes {
  Huffman litlen, dist;
  FixedCodes() {
    uint8_t lengths[kMaxLitLen];
    std::fill(lengths, lengths + 144, 8);
    std::fill(lengths + 144, lengths + 256, 9);
    std::fill(lengths + 256, lengths + 280, 7);
    std::fill(lengths + 280, lengths + 288, 8);
    build_huffman(litlen, lengths, kMaxLitLen);
    std::fill(lengths, lengths + kMaxDist, 5);
    build_huffman(dist, lengths, kMaxDist);
  }
};

}  // namespace

size_t inflate_append(const uint8_t* data, size_t size, const std::string& what, InflateOutput& out,
                      size_t max_output, size_t stop_at) {
  static const FixedCodes fixed;
  if (out.size > max_output)
    throw InflateLimitError(message(
        "inflate: ", what, ": the decompressed data passes the limit of ", max_output, " bytes"));
  BitReader in(data, size, what);
  // The room past out.size is kept, not trimmed: the next stream writes there.
  Output output{out.bytes, out.size, out.size, max_output, stop_at, what};

  bool last = false;
  while (!last && !output.full()) {
    in.refill();
    last = in.bits(1) == 1;
    uint32_t type = in.bits(2);
    if (type == 0) {
      copy_stored_block(in, output, what);
    } else if (type == 1) {
      decode_huffman_block(in, output, fixed.litlen, fixed.dist);
    } else if (type == 2) {
      Huffman litlen, dist;
      read_dynamic_codes(in, litlen, dist);
      decode_huffman_block(in, output, litlen, dist);
    } else {
      in.fail_corrupt("invalid block type 3");
    }
  }
  if (output.full()) {  // stopped early on purpose: the rest of the stream is unread
    output.size = std::min(output.size, stop_at);
    return 0;
  }
  return in.align_to_byte();  // also throws if the final bits were past the end
}

std::vector<uint8_t> inflate_raw(const uint8_t* data, size_t size, const std::string& what,
                                 size_t max_output, size_t* consumed) {
  InflateOutput out;
  size_t used = inflate_append(data, size, what, out, max_output);
  if (consumed != nullptr) *consumed = used;
  return out.take();
}

std::vector<uint8_t> inflate_raw(const std::vector<uint8_t>& bytes, const std::string& what,
                                 size_t max_output) {
  return inflate_raw(bytes.data(), bytes.size(), what, max_output);
}

}  // namespace ag::data
