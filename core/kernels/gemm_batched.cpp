// core/kernels/gemm_batched.cpp: how a batch of products shares the threads.
//
// Shape legend (as gemm_batched.h): count products, each op(A)[M, K] ·
// op(B)[K, N] -> C [M, N]; T threads.
//
// The products themselves are sgemm calls; what is decided here is where the
// threads go. Two ways to spend T threads on `count` products:
//
//   across   each thread takes whole products and runs them one by one. The
//            sgemm calls inside a parallel_for worker run on that worker
//            alone (nested parallel_for runs inline), so nothing is
//            oversubscribed.
//   inside   the products run one after another on the caller, and each
//            sgemm splits its own C into stripes over the T threads.
//
// Across wins for attention's [B, T, T] scores and their like: every thread
// packs its own operands once and never waits for the others, while a small
// matrix cut T ways gives each thread little work per wake-up. It needs
//   - products that write different matrices of C: two threads must never
//     add into the same one (a broadcast operand's gradient runs inside);
//   - products that share out evenly: count a multiple of T, or at least
//     4·T (parallel_for's chunks then differ by one product in at least
//     five). 3 products on 2 threads would leave one thread idle for half
//     the time, so those run inside;
//   - about 1 MFLOP per chunk of products (the grain), so a batch of tiny
//     matrices stays on one thread: waking a worker costs a few µs.
#include "core/kernels/gemm_batched.h"

#include <algorithm>

#include "core/error.h"
#include "core/kernels/gemm.h"
#include "core/kernels/parallel.h"

namespace ag {

namespace {

// True when no two products write the same matrix of C.
bool writes_each_output_once(const std::vector<int64_t>& c_index) {
  if (c_index.empty()) return true;
  std::vector<char> written(*std::max_element(c_index.begin(), c_index.end()) + 1, 0);
  for (int64_t c : c_index) {
    if (written[c]) return false;
    written[c] = 1;
  }
  return true;
}

constexpr int64_t kMinFlopsPerChunk = 1'000'000;

}  // namespace

bool splits_across_products(const GemmBatch& batch) {
  const int64_t count = batch.count(), threads = get_num_threads();
  if (count < 2 || threads < 2) return false;
  const bool shares_out_evenly = count % threads == 0 || count >= 4 * threads;
  return shares_out_evenly && writes_each_output_once(batch.c_index);
}

GemmBatch one_to_one_batch(int64_t count, bool trans_a, bool trans_b, int64_t M, int64_t N,
                           int64_t K) {
  GemmBatch batch;
  batch.trans_a = trans_a, batch.trans_b = trans_b;
  batch.M = M, batch.N = N, batch.K = K;
  for (int64_t i = 0; i < count; ++i) batch.c_index.push_back(i);
  batch.a_index = batch.b_index = batch.c_index;
  return batch;
}

void check_index_lists(const GemmBatch& batch) {
  const int64_t count = batch.count();
  if (static_cast<int64_t>(batch.a_index.size()) != count ||
      static_cast<int64_t>(batch.b_index.size()) != count)
    fail("sgemm_batched: every product needs an index into A, B and C, got ", batch.a_index.size(),
         ", ", batch.b_index.size(), " and ", count);
}

void sgemm_batched(const GemmBatch& batch, float alpha, const float* A, const float* B, float beta,
                   float* C) {
  const int64_t count = batch.count();
  check_index_lists(batch);
  const int64_t M = batch.M, N = batch.N, K = batch.K;
  const int64_t lda = batch.trans_a ? M : K, ldb = batch.trans_b ? K : N;
  auto product = [&](int64_t i) {
    sgemm(batch.trans_a, batch.trans_b, M, N, K, alpha, A + batch.a_index[i] * M * K, lda,
          B + batch.b_index[i] * K * N, ldb, beta, C + batch.c_index[i] * M * N, N);
  };

  if (!splits_across_products(batch)) {  // inside: each sgemm uses every thread
    for (int64_t i = 0; i < count; ++i) product(i);
    return;
  }
  const int64_t flops = std::max<int64_t>(1, 2 * M * N * K);
  const int64_t grain = std::max<int64_t>(1, kMinFlopsPerChunk / flops);
  parallel_for(0, count, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) product(i);
  });
}

}  // namespace ag
