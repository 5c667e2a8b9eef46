#pragma once
// Products of a minibatch's small matrices, register-blocked, without packing. Eigen's GEMM packs
// both operands into its own layout on every call, which for a 32-row batch and a 64x64 layer
// costs a fair share of the product itself; here the right-hand operand's rows are read where
// they are (row-major, contiguous), and the caller's first values (a bias, or zero) and last step
// (an activation, or an activation's derivative) happen while the block is in registers.
//
// Written with Eigen's packets, so the width follows the build (SSE2, AVX2, AVX-512); columns past
// the last whole packet go through a zero-padded copy. Every output sums its terms in one fixed
// order (its first value, then p = 0, 1, ...), whatever the block it falls in.
#include <Eigen/Core>

namespace lossbench::kernels {

namespace ei = Eigen::internal;
using Packet = ei::packet_traits<double>::type;
using Index = Eigen::Index;
constexpr Index kWidth = ei::packet_traits<double>::size;

// A packet of the n <= kWidth values at p (the rest zero), reading none past them.
inline Packet load(const double* p, Index n) {
  if (n == kWidth) return ei::ploadu<Packet>(p);
  alignas(64) double t[kWidth] = {};
  for (Index q = 0; q < n; ++q) t[q] = p[q];
  return ei::pload<Packet>(t);
}
inline void store(double* p, const Packet& v, Index n) {
  if (n == kWidth) return ei::pstoreu(p, v);
  alignas(64) double t[kWidth];
  ei::pstore(t, v);
  for (Index q = 0; q < n; ++q) p[q] = t[q];
}

// C(i, j) = ops.last(ops.first(j) + sum_p a(i, p) B(p, j), i, j) for an R x C-packet block of C,
// where a(i, p) = a[i * a_i + p * a_p] (so a transposed operand is only another pair of strides)
// and B is row-major (ldb). The last packet has n valid columns (B padded with zeros to a packet);
// ops.first(j, n) and ops.last(v, i, j, n) read only those.
template <int R, int C, class Ops>
inline void block(Index depth, const double* a, Index a_i, Index a_p, const double* b, Index ldb,
                  double* c, Index ldc, Index i0, Index j0, Index n, const Ops& ops) {
  Packet acc[R][C];
  for (int j = 0; j < C; ++j) {
    const Packet f = ops.first(j0 + j * kWidth, j == C - 1 ? n : kWidth);
    for (int r = 0; r < R; ++r) acc[r][j] = f;
  }
  for (Index p = 0; p < depth; ++p) {
    Packet bp[C];
    for (int j = 0; j < C; ++j) bp[j] = ei::ploadu<Packet>(b + p * ldb + j * kWidth);
    for (int r = 0; r < R; ++r) {
      const Packet ar = ei::pset1<Packet>(a[r * a_i + p * a_p]);
      for (int j = 0; j < C; ++j) acc[r][j] = ei::pmadd(ar, bp[j], acc[r][j]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < C; ++j) {
      const Index w = j == C - 1 ? n : kWidth;
      store(c + r * ldc + j * kWidth, ops.last(acc[r][j], i0 + r, j0 + j * kWidth, w), w);
    }
}

// AVX-512 has 32 registers: 16 accumulators; with 16 (SSE2, AVX2) 8 keep the FMA units busy.
constexpr int kRows = 4, kPackets = kWidth >= 8 ? 4 : 2;

// Whether a product of this depth suits these kernels: a block of B's columns (depth x kPackets
// packets) must stay in L1 (half of 32 KiB) while every row of a passes over it; deeper products
// go to Eigen's GEMM, which blocks for the caches.
constexpr Index kScratch = 2048;  // doubles
constexpr bool fits(Index depth) { return depth * kPackets * kWidth <= kScratch; }

template <int C, class Ops>
inline void rows_of(Index M, Index depth, const double* a, Index a_i, Index a_p, const double* b,
                    Index ldb, double* c, Index ldc, Index j0, Index n, const Ops& ops) {
  Index i = 0;
  for (; i + kRows <= M; i += kRows)
    block<kRows, C>(depth, a + i * a_i, a_i, a_p, b, ldb, c + i * ldc, ldc, i, j0, n, ops);
  for (; i < M; ++i)
    block<1, C>(depth, a + i * a_i, a_i, a_p, b, ldb, c + i * ldc, ldc, i, j0, n, ops);
}

// C = the M x N product above, for a depth that fits(). scratch: kScratch doubles, for B's last
// columns when N is not a multiple of the packet width.
template <class Ops>
void product(Index M, Index N, Index depth, const double* a, Index a_i, Index a_p, const double* b,
             Index ldb, double* c, Index ldc, const Ops& ops, double* scratch) {
  Index j = 0;
  // Columns outermost: a block of B's columns stays in L1 while every row of a passes over it.
  for (; j + kPackets * kWidth <= N; j += kPackets * kWidth)
    rows_of<kPackets>(M, depth, a, a_i, a_p, b + j, ldb, c + j, ldc, j, kWidth, ops);
  for (; j + kWidth <= N; j += kWidth)
    rows_of<1>(M, depth, a, a_i, a_p, b + j, ldb, c + j, ldc, j, kWidth, ops);
  if (const Index n = N - j; n > 0) {
    for (Index p = 0; p < depth; ++p)
      for (Index q = 0; q < kWidth; ++q) scratch[p * kWidth + q] = q < n ? b[p * ldb + j + q] : 0.0;
    rows_of<1>(M, depth, a, a_i, a_p, scratch, kWidth, c + j, ldc, j, n, ops);
  }
}

}  // namespace lossbench::kernels
