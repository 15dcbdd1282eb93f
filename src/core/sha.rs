//! SHA-256, SHA-384 and SHA-512 (FIPS 180-4), small and synchronous: PKCE's S256 challenge and the
//! `at_hash` check of a token signed with a 256-, 384- or 512-bit algorithm. Written for size (one loop per
//! round, nothing unrolled); throughput does not matter for a 43-character verifier or an access token.
//! Checked against the `sha2` crate in the tests.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What tells SHA-256 apart from SHA-384 / SHA-512 (FIPS 180-4 §4.1.2, §4.1.3, §6.2, §6.4): the word size,
/// the number of rounds and the rotation and shift amounts of Σ0, Σ1, σ0, σ1 (the last of σ0 / σ1 is a shift).
/// One compression loop computes both on `u64` words, 32-bit words kept masked: one copy of the code, and
/// SHA-256's constants are the first 32 bits of SHA-512's (both are the fractional parts of the same roots).
struct Variant {
    bits: u32,
    rounds: usize,
    big0: [u32; 3],
    big1: [u32; 3],
    small0: [u32; 3],
    small1: [u32; 3],
}

const SHA256: Variant =
    Variant { bits: 32, rounds: 64, big0: [2, 13, 22], big1: [6, 11, 25], small0: [7, 18, 3], small1: [17, 19, 10] };
const SHA512: Variant =
    Variant { bits: 64, rounds: 80, big0: [28, 34, 39], big1: [14, 18, 41], small0: [1, 8, 7], small1: [19, 61, 6] };

/// The hash of `data` with the initial hash value at `iv` in the constants (its words cut to the variant's word
/// size), cut to `out_len` bytes.
fn sha2(data: &[u8], v: &Variant, iv: usize, out_len: usize) -> Vec<u8> {
    let bits = v.bits;
    let mask = u64::MAX >> (64 - bits);
    let word = bits as usize / 8;
    let block = 16 * word;
    let rotr = |x: u64, n: u32| (x >> n | x << (bits - n)) & mask;
    let sigma = |x: u64, [r0, r1, r2]: [u32; 3], shift: bool| {
        rotr(x, r0) ^ rotr(x, r1) ^ if shift { x >> r2 } else { rotr(x, r2) }
    };
    // Padding (§5.1): 0x80, zeros, then the message length in bits, big-endian, in two words.
    let len = 2 * word;
    let mut m = Vec::with_capacity(data.len() + block + len);
    m.extend_from_slice(data);
    m.push(0x80);
    // `& (block - 1)` is `% block` for a power of two, without the zero-divisor panic of a run-time `%`.
    while m.len() & (block - 1) != block - len {
        m.push(0);
    }
    m.extend_from_slice(((data.len() as u128) << 3).to_be_bytes().get(16 - len..).unwrap_or_default());
    let mut h = [0u64; 8];
    for (i, hv) in h.iter_mut().enumerate() {
        *hv = constant(iv + i) >> (64 - bits);
    }
    // The message schedule (§6.2.2 / §6.4.2 step 1) as a ring of its last 16 words, extended as the rounds go.
    let mut w = [0u64; 16];
    // Blocks and words cut with `split_at_checked` / `get`: `chunks_exact` of a run-time size links a panic.
    let mut rest = m.as_slice();
    while let Some((chunk, tail)) = rest.split_at_checked(block) {
        rest = tail;
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for t in 0..v.rounds {
            let k = constant(t);
            // W[t-n] is at (t - n) mod 16, and W[t] replaces W[t-16] there.
            let at = |n: usize| w.get((t + 16 - n) & 15).copied().unwrap_or(0);
            let wt = if t < 16 {
                // The block's own words, big-endian.
                let bytes = chunk.get(t * word..(t + 1) * word).unwrap_or_default();
                bytes.iter().fold(0, |acc, &b| acc << 8 | u64::from(b))
            } else {
                let s0 = sigma(at(15), v.small0, true);
                let s1 = sigma(at(2), v.small1, true);
                s1.wrapping_add(at(7)).wrapping_add(s0).wrapping_add(at(16)) & mask
            };
            if let Some(slot) = w.get_mut(t & 15) {
                *slot = wt;
            }
            let ch = (e & f) ^ (!e & g);
            let t1 = hh.wrapping_add(sigma(e, v.big1, false)).wrapping_add(ch).wrapping_add(k >> (64 - bits)).wrapping_add(wt);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = sigma(a, v.big0, false).wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1) & mask;
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2) & mask;
        }
        for (hv, x) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *hv = hv.wrapping_add(x) & mask;
        }
    }
    // Big-endian words, cut to the output length (a loop: `flat_map(..).take(..).collect()` linked
    // a chain of generic iterator copies).
    let mut out = Vec::with_capacity(8 * word);
    for x in h {
        out.extend_from_slice(x.to_be_bytes().get(8 - word..).unwrap_or_default());
    }
    out.truncate(out_len);
    out
}

/// SHA-256 of `data` (32 bytes).
pub fn sha256(data: &[u8]) -> Vec<u8> {
    sha2(data, &SHA256, 80, 32)
}

/// SHA-384 of `data` (48 bytes).
pub fn sha384(data: &[u8]) -> Vec<u8> {
    sha2(data, &SHA512, 88, 48)
}

/// SHA-512 of `data` (64 bytes).
pub fn sha512(data: &[u8]) -> Vec<u8> {
    sha2(data, &SHA512, 80, 64)
}

/// SHA-2's constants (FIPS 180-4 §4.2.3, §5.3.4, §5.3.5): the first 64 bits of the fractional parts of the cube
/// roots of the first 80 primes (K; SHA-256's are their first 32 bits), then of the square roots of the first 16
/// primes (SHA-512's initial hash value from the first 8, SHA-384's from the next 8). Derived once instead of
/// stored: 768 bytes of such constants are 768 bytes the wasm's gzip cannot shrink, and the arithmetic that
/// derives them compresses to less. The price is paid once per page, at the first hash (a login's PKCE challenge,
/// a DPoP key's thumbprint or an `at_hash`): about 2.5 ms in Chromium on a 2-core machine. The tests compare them
/// with the standard's tables.
const CONSTANTS: usize = 96;
static TABLE: [AtomicU64; CONSTANTS] = [const { AtomicU64::new(0) }; CONSTANTS];
static READY: AtomicBool = AtomicBool::new(false);

/// The table, derived on first use. Two threads that both find it missing write the same values.
fn constants() -> &'static [AtomicU64; CONSTANTS] {
    if !READY.load(Ordering::Acquire) {
        let mut n = 1;
        for (i, slot) in TABLE.iter().enumerate() {
            if i == 80 {
                n = 1; // the square roots start again from the first prime
            }
            loop {
                n += 1;
                if (2..n).all(|d| n % d != 0) {
                    break;
                }
            }
            slot.store(root_fraction(n, if i < 80 { 3 } else { 2 }), Ordering::Relaxed);
        }
        READY.store(true, Ordering::Release);
    }
    &TABLE
}

fn constant(i: usize) -> u64 {
    constants().get(i).map_or(0, |c| c.load(Ordering::Relaxed))
}

/// The first 64 bits of the fractional part of `p`'s `k`-th root (k = 2 or 3, p < 512): the low 64 bits of
/// x = ⌊p^(1/k) · 2^64⌋, the largest x with x^k ≤ p · 2^(64k). x < 2^67, so it is found bit by bit from bit 66,
/// in 32-bit limbs, least significant first (no `u128`: its shifts are library calls on wasm32).
fn root_fraction(p: u32, k: usize) -> u64 {
    let mut x = [0u32; 8];
    for bit in (0..67).rev() {
        let mut c = x;
        if let Some(l) = c.get_mut(bit / 32) {
            *l |= 1 << (bit % 32);
        }
        let mut power = c;
        for _ in 1..k {
            power = mul(&power, &c);
        }
        // p · 2^(64k) is `p` in limb 2k; the last limb that differs, going up, decides.
        let mut at_most = true;
        for (i, &l) in power.iter().enumerate() {
            let bound = if i == 2 * k { p } else { 0 };
            if l != bound {
                at_most = l < bound;
            }
        }
        if at_most {
            x = c;
        }
    }
    let [lo, hi, ..] = x;
    u64::from(hi) << 32 | u64::from(lo)
}

/// `a · b` in 32-bit limbs, least significant first, cut to 256 bits (the powers above stay below 2^202).
fn mul(a: &[u32; 8], b: &[u32; 8]) -> [u32; 8] {
    let mut out = [0u32; 8];
    for (i, &x) in a.iter().enumerate() {
        let mut carry = 0u64;
        for (o, &y) in out.iter_mut().skip(i).zip(b) {
            let t = u64::from(*o) + u64::from(x) * u64::from(y) + carry;
            *o = t as u32;
            carry = t >> 32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use ::sha2::Digest;

    #[test]
    fn matches_the_sha2_crate_at_every_padding_boundary() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for n in 0..data.len() {
            let d = &data[..n];
            assert_eq!(sha256(d), ::sha2::Sha256::digest(d).to_vec(), "sha256 of {n} bytes");
            assert_eq!(sha384(d), ::sha2::Sha384::digest(d).to_vec(), "sha384 of {n} bytes");
            assert_eq!(sha512(d), ::sha2::Sha512::digest(d).to_vec(), "sha512 of {n} bytes");
        }
    }

    #[test]
    fn derived_constants_are_the_standards_tables() {
        let derived: Vec<u64> = (0..CONSTANTS).map(constant).collect();
        assert_eq!(derived[..80], K512);
        assert_eq!(derived[80..88], IV512);
        assert_eq!(derived[88..96], IV384);
    }

    const IV384: [u64; 8] = [
        0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
        0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
    ];

    const IV512: [u64; 8] = [
        0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
        0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
    ];

    const K512: [u64; 80] = [
        0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
        0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
        0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
        0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
        0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
        0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
        0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
        0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
        0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
        0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
        0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
        0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
        0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
        0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
        0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
        0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
        0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
        0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
        0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
        0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
    ];

    #[test]
    fn known_answers() {
        let hex = |v: Vec<u8>| v.iter().map(|b| alloc::format!("{b:02x}")).collect::<alloc::string::String>();
        assert_eq!(hex(sha256(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(&hex(sha512(b"abc"))[..32], "ddaf35a193617abacc417349ae204131");
        assert_eq!(&hex(sha384(b""))[..32], "38b060a751ac96384cd9327eb1b1e36a");
    }
}
