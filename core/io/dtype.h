// core/io/dtype.h: the element types other programs store tensors in, and
// their conversion to attograd's float32.
//
// attograd computes in float32 only, but files written by PyTorch or NumPy hold
// float64, float16, bfloat16, int64 (BatchNorm's num_batches_tracked), bools...
// Each type has a name in each format: safetensors says "F32", NumPy says
// "<f4" ('<' little-endian, 'f' float, 4 bytes; '|' means byte order does not
// apply to 1-byte types). Both formats store elements little-endian, which is
// also this machine's order, so decoding is a memcpy per element plus a cast.
#pragma once

#include <cstdint>
#include <string_view>

namespace ag::io {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, Bool };

struct DTypeInfo {
  DType dtype;
  const char* safetensors_name;  // "F32"
  const char* npy_descr;         // "<f4"; "" when NumPy has no such type (bfloat16)
  int64_t size;                  // bytes per element
};

// The table entry for a name, or nullptr if the format name is unknown.
const DTypeInfo* dtype_from_safetensors(std::string_view name);
const DTypeInfo* dtype_from_npy(std::string_view descr);
const DTypeInfo& dtype_info(DType dtype);

// Convert count little-endian elements at src to float. Integers and float64
// are rounded to the nearest float (an int64 above 2^24 may lose its low bits);
// bools become 0 or 1.
void decode_to_float(DType dtype, const char* src, int64_t count, float* dst);

// IEEE half precision (1 sign, 5 exponent, 10 mantissa bits) and bfloat16 (the
// top 16 bits of a float32) to float32, exactly (both fit in a float).
float half_to_float(uint16_t bits);
float bfloat16_to_float(uint16_t bits);

// a * b into *out; false if it overflows int64 (shape products from a file
// must be checked before anything is allocated).
bool checked_mul(int64_t a, int64_t b, int64_t* out);

}  // namespace ag::io
