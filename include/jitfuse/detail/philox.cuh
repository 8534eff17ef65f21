// SPDX-License-Identifier: Apache-2.0
// The random stream of jf::random::uniform / normal, written once for the host and the device:
// Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3",
// SC11) and the conversions of its words to floating values. Element k of a random array with
// seed s is a function of (k, s) alone: counter {k_lo, k_hi, 0, 0}, key {s_lo, s_hi}.
//
// A fragment, not a header: it is included inside a namespace, by detail/random_expr.hpp on
// the host and by cuda/device/prelude.cuh on the device (inlined into the embedded prelude at
// build time). That namespace provides uint32_t, uint64_t and log1p, sqrt, cos_2pi for float
// and double; JITFUSE_RANDOM_FN declares the functions (`inline`, `__device__ inline`).
// Plain integer code and one multiply by a power of two: uniform values are bit-identical on
// both sides. Normal values go through each side's log1p/sqrt/cos (a few ULP apart).

struct philox_block {
    uint32_t w[4];
};

JITFUSE_RANDOM_FN philox_block philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                             uint32_t k0, uint32_t k1) {
    for (int round = 0; round < 10; ++round) {
        if (round != 0) {  // the Weyl key schedule
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        const uint64_t p0 = uint64_t(0xD2511F53u) * c0, p1 = uint64_t(0xCD9E8D57u) * c2;
        const uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0, n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
        c1 = uint32_t(p1);
        c3 = uint32_t(p0);
        c0 = n0;
        c2 = n2;
    }
    return {{c0, c1, c2, c3}};
}

/// The four words of element `index` of the stream `seed`.
JITFUSE_RANDOM_FN philox_block random_words(uint64_t seed, uint64_t index) {
    return philox4x32_10(uint32_t(index), uint32_t(index >> 32), 0u, 0u, uint32_t(seed), uint32_t(seed >> 32));
}

/// The top 24 bits of `w` as a multiple of 2^-24 in [0, 1).
JITFUSE_RANDOM_FN float unit_float(uint32_t w) { return float(w >> 8) * (1.0f / 16777216.0f); }
/// The top 53 bits of `hi:lo` as a multiple of 2^-53 in [0, 1).
JITFUSE_RANDOM_FN double unit_double(uint32_t hi, uint32_t lo) {
    return double(((uint64_t(hi) << 32) | lo) >> 11) * (1.0 / 9007199254740992.0);
}

template <class T>
JITFUSE_RANDOM_FN T random_uniform(uint64_t seed, uint64_t index);
template <>
JITFUSE_RANDOM_FN float random_uniform<float>(uint64_t seed, uint64_t index) {
    return unit_float(random_words(seed, index).w[0]);
}
template <>
JITFUSE_RANDOM_FN double random_uniform<double>(uint64_t seed, uint64_t index) {
    const philox_block b = random_words(seed, index);
    return unit_double(b.w[0], b.w[1]);
}

// Box-Muller, the cosine half: sqrt(-2 log u1) cos(2 pi u2) with u1 = 1 - unit value in
// (0, 1], so that log never sees 0. log1p(-unit) is log(u1) without the cancellation near
// u1 = 1, and it and cos_2pi (the including namespace's cos(2 pi x): cospi on the device)
// keep their accuracy under fast math, which turns logf and cosf into rough intrinsics.
template <class T>
JITFUSE_RANDOM_FN T random_normal(uint64_t seed, uint64_t index);
template <>
JITFUSE_RANDOM_FN float random_normal<float>(uint64_t seed, uint64_t index) {
    const philox_block b = random_words(seed, index);
    return sqrt(-2.0f * log1p(-unit_float(b.w[0]))) * cos_2pi(unit_float(b.w[1]));
}
template <>
JITFUSE_RANDOM_FN double random_normal<double>(uint64_t seed, uint64_t index) {
    const philox_block b = random_words(seed, index);
    return sqrt(-2.0 * log1p(-unit_double(b.w[0], b.w[1]))) * cos_2pi(unit_double(b.w[2], b.w[3]));
}
