// core/io/dtype.cpp: the type table and the element converters.
#include "core/io/dtype.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace ag::io {

static_assert(std::endian::native == std::endian::little,
              "attograd's file readers memcpy little-endian elements directly");

namespace {

// One row per DType, in enum order (dtype_info indexes it by the enum value).
constexpr DTypeInfo kTable[] = {
    {DType::F64, "F64", "<f8", 8},   {DType::F32, "F32", "<f4", 4}, {DType::F16, "F16", "<f2", 2},
    {DType::BF16, "BF16", "", 2},    {DType::I64, "I64", "<i8", 8}, {DType::I32, "I32", "<i4", 4},
    {DType::I16, "I16", "<i2", 2},   {DType::I8, "I8", "|i1", 1},   {DType::U64, "U64", "<u8", 8},
    {DType::U32, "U32", "<u4", 4},   {DType::U16, "U16", "<u2", 2}, {DType::U8, "U8", "|u1", 1},
    {DType::Bool, "BOOL", "|b1", 1},
};
static_assert(sizeof(kTable) / sizeof(kTable[0]) == static_cast<size_t>(DType::Bool) + 1,
              "one table row per DType");

// Read a T from unaligned little-endian bytes and convert it to float.
template <class T>
void convert(const char* src, int64_t count, float* dst) {
  for (int64_t i = 0; i < count; ++i) {
    T value;
    std::memcpy(&value, src + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
    dst[i] = static_cast<float>(value);
  }
}

template <float (*from_bits)(uint16_t)>
void convert16(const char* src, int64_t count, float* dst) {
  for (int64_t i = 0; i < count; ++i) {
    uint16_t bits;
    std::memcpy(&bits, src + 2 * i, 2);
    dst[i] = from_bits(bits);
  }
}

}  // namespace

const DTypeInfo& dtype_info(DType dtype) { return kTable[static_cast<int>(dtype)]; }

const DTypeInfo* dtype_from_safetensors(std::string_view name) {
  for (const DTypeInfo& info : kTable)
    if (name == info.safetensors_name) return &info;
  return nullptr;
}

const DTypeInfo* dtype_from_npy(std::string_view descr) {
  if (descr.empty()) return nullptr;
  for (const DTypeInfo& info : kTable)
    if (descr == info.npy_descr) return &info;
  return nullptr;
}

float half_to_float(uint16_t bits) {
  const bool negative = bits & 0x8000;
  const int exponent = (bits >> 10) & 0x1F;
  const int mantissa = bits & 0x3FF;
  float magnitude;
  if (exponent == 0)  // zero or subnormal: mantissa * 2^-24, no implicit leading 1
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  else if (exponent == 31)  // all ones: infinity, or NaN if any mantissa bit is set
    magnitude = mantissa ? NAN : INFINITY;
  else  // normal: (1024 + mantissa) * 2^(exponent - 15 - 10), the bias is 15
    magnitude = std::ldexp(static_cast<float>(1024 + mantissa), exponent - 25);
  return negative ? -magnitude : magnitude;
}

float bfloat16_to_float(uint16_t bits) {
  uint32_t widened = static_cast<uint32_t>(bits) << 16;  // the missing low mantissa bits are zero
  return std::bit_cast<float>(widened);
}

void decode_to_float(DType dtype, const char* src, int64_t count, float* dst) {
  switch (dtype) {
    case DType::F64:
      convert<double>(src, count, dst);
      return;
    case DType::F32:
      convert<float>(src, count, dst);
      return;
    case DType::F16:
      convert16<half_to_float>(src, count, dst);
      return;
    case DType::BF16:
      convert16<bfloat16_to_float>(src, count, dst);
      return;
    case DType::I64:
      convert<int64_t>(src, count, dst);
      return;
    case DType::I32:
      convert<int32_t>(src, count, dst);
      return;
    case DType::I16:
      convert<int16_t>(src, count, dst);
      return;
    case DType::I8:
      convert<int8_t>(src, count, dst);
      return;
    case DType::U64:
      convert<uint64_t>(src, count, dst);
      return;
    case DType::U32:
      convert<uint32_t>(src, count, dst);
      return;
    case DType::U16:
      convert<uint16_t>(src, count, dst);
      return;
    case DType::U8:
      convert<uint8_t>(src, count, dst);
      return;
    case DType::Bool:  // any non-zero byte is true, as NumPy reads it
      for (int64_t i = 0; i < count; ++i) dst[i] = src[i] != 0 ? 1.0f : 0.0f;
      return;
  }
}

bool checked_mul(int64_t a, int64_t b, int64_t* out) { return !__builtin_mul_overflow(a, b, out); }

}  // namespace ag::io
