// data/bit_reader.h: the little-endian bit reader under the DEFLATE decoder
// (data/inflate.cpp). Internal to data/: nothing outside inflate.cpp uses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"

namespace ag::data {

// Reads the stream's bits. DEFLATE packs bits into bytes starting at the
// least significant bit, so we keep a 64-bit buffer whose lowest bit is the
// next bit of the stream: peek(n) is "buffer & (2^n - 1)", consume(n) is a
// shift. (Huffman codes are the one exception: they are packed starting from
// their most significant bit, which is why the tables below hold bit-reversed
// codes.)
//
// Past the end of the input, refill() appends zero bytes and counts them in
// `padding_`. The decoder may look ahead into them harmlessly, but once it has
// *consumed* one of those bits the input was truncated: overrun() tells, and
// every loop checks it, so a truncated stream can never decode into garbage.
class BitReader {
 public:
  BitReader(const uint8_t* data, size_t size, const std::string& what)
      : data_(data), size_(size), what_(what) {}

  // Top the buffer up to at least 56 bits: enough for one whole
  // length/distance pair (15 + 5 + 15 + 13 = 48 bits) without another refill.
  void refill() {
    if (size_ - pos_ >= 8) {
      // Fast path: OR in 8 bytes at once, then count only the whole bytes
      // that fit above the bits we hold: (63 - count) / 8 of them, which
      // brings count to 56..63, i.e. count | 56. Bits that did not count
      // are the stream's true next bits, so ORing them in again later is
      // harmless.
      bits_ |= load_le64(data_ + pos_) << count_;
      pos_ += (63 - count_) >> 3;
      count_ |= 56;
    } else {
      while (count_ < 56) {  // stops at 56..63 bits, like the fast path
        uint64_t byte = 0;
        if (pos_ < size_)
          byte = data_[pos_++];
        else
          ++padding_;
        bits_ |= byte << count_;
        count_ += 8;
      }
    }
  }
  uint32_t peek(int n) const { return static_cast<uint32_t>(bits_ & ((uint64_t{1} << n) - 1)); }
  void consume(int n) {
    bits_ >>= n;
    count_ -= n;
  }
  uint32_t bits(int n) {
    uint32_t value = peek(n);
    consume(n);
    return value;
  }
  bool overrun() const { return count_ < 8 * padding_; }

  // Stored blocks and the end of the stream are byte-aligned: skip to the next
  // byte boundary, give back the whole bytes still buffered, and return the
  // input position, so the caller can read plain bytes from there.
  size_t align_to_byte() {
    consume(count_ % 8);
    if (overrun()) fail_truncated();
    pos_ -= count_ / 8 - padding_;
    bits_ = 0;
    count_ = 0;
    padding_ = 0;
    return pos_;
  }
  void seek(size_t pos) { pos_ = pos; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  [[noreturn]] void fail_truncated() const {
    fail("inflate: ", what_, ": truncated stream (the input ends inside a DEFLATE block)");
  }
  // A decoding error. If we already read past the end, the real problem is
  // the truncation, and saying so is more useful than the symptom.
  template <class... Parts>
  [[noreturn]] void fail_corrupt(const Parts&... parts) const {
    if (overrun()) fail_truncated();
    fail("inflate: ", what_, ": ", parts...);
  }

 private:
  // Bytes p[0..7] as a little-endian number (compilers turn this into one load).
  static uint64_t load_le64(const uint8_t* p) {
    uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
    return value;
  }

  const uint8_t* data_;
  size_t size_;
  const std::string& what_;
  size_t pos_ = 0;     // next input byte to load into the buffer
  uint64_t bits_ = 0;  // buffered bits, next stream bit lowest
  int count_ = 0;      // how many bits of `bits_` are valid
  int padding_ = 0;    // how many of the buffered bytes are zeros past the end
};

}  // namespace ag::data
