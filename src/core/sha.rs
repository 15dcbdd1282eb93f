//! SHA-256, SHA-384 and SHA-512 (FIPS 180-4), small and synchronous: PKCE's S256 challenge and the
//! `at_hash` check of a token signed with a 256-, 384- or 512-bit algorithm. Written for size (one loop per
//! round, nothing unrolled); throughput does not matter for a 43-character verifier or an access token.
//! Checked against the `sha2` crate in the tests.

use alloc::vec::Vec;

macro_rules! sha2 {
    ($name:ident, $w:ty, $k:ident, $len:ty, [$a0:literal, $a1:literal, $a2:literal], [$e0:literal, $e1:literal, $e2:literal],
     [$s00:literal, $s01:literal, $s02:literal], [$s10:literal, $s11:literal, $s12:literal]) => {
        fn $name(data: &[u8], iv: &[$w; 8], out_len: usize) -> Vec<u8> {
            const W: usize = core::mem::size_of::<$w>();
            const BLOCK: usize = 16 * W;
            const LEN: usize = core::mem::size_of::<$len>();
            // Padding (§5.1): 0x80, zeros, then the message length in bits, big-endian.
            let mut m = Vec::with_capacity(data.len() + BLOCK + LEN);
            m.extend_from_slice(data);
            m.push(0x80);
            while m.len() % BLOCK != BLOCK - LEN {
                m.push(0);
            }
            m.extend_from_slice(&((data.len() as $len) << 3).to_be_bytes());
            let mut h = *iv;
            let mut w = [0 as $w; $k.len()];
            for block in m.chunks_exact(BLOCK) {
                for (wi, c) in w.iter_mut().zip(block.chunks_exact(W)) {
                    *wi = c.iter().fold(0, |acc, &b| acc << 8 | <$w>::from(b));
                }
                for t in 16..$k.len() {
                    let g = |i: usize| w.get(i).copied().unwrap_or(0);
                    let (x, y) = (g(t - 15), g(t - 2));
                    let s0 = x.rotate_right($s00) ^ x.rotate_right($s01) ^ (x >> $s02);
                    let s1 = y.rotate_right($s10) ^ y.rotate_right($s11) ^ (y >> $s12);
                    let v = s1.wrapping_add(g(t - 7)).wrapping_add(s0).wrapping_add(g(t - 16));
                    if let Some(wt) = w.get_mut(t) {
                        *wt = v;
                    }
                }
                let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
                for (k, wt) in $k.iter().zip(w.iter()) {
                    let big1 = e.rotate_right($e0) ^ e.rotate_right($e1) ^ e.rotate_right($e2);
                    let ch = (e & f) ^ (!e & g);
                    let t1 = hh.wrapping_add(big1).wrapping_add(ch).wrapping_add(*k).wrapping_add(*wt);
                    let big0 = a.rotate_right($a0) ^ a.rotate_right($a1) ^ a.rotate_right($a2);
                    let maj = (a & b) ^ (a & c) ^ (b & c);
                    let t2 = big0.wrapping_add(maj);
                    hh = g;
                    g = f;
                    f = e;
                    e = d.wrapping_add(t1);
                    d = c;
                    c = b;
                    b = a;
                    a = t1.wrapping_add(t2);
                }
                for (hv, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
                    *hv = hv.wrapping_add(v);
                }
            }
            // Big-endian words, cut to the output length (a loop: `flat_map(..).take(..).collect()` linked
            // a chain of generic iterator copies per word size).
            let mut out = Vec::with_capacity(out_len + W);
            for v in h {
                out.extend_from_slice(&v.to_be_bytes());
            }
            out.truncate(out_len);
            out
        }
    };
}

sha2!(sha2_32, u32, K256, u64, [2, 13, 22], [6, 11, 25], [7, 18, 3], [17, 19, 10]);
sha2!(sha2_64, u64, K512, u128, [28, 34, 39], [14, 18, 41], [1, 8, 7], [19, 61, 6]);

/// SHA-256 of `data` (32 bytes).
pub fn sha256(data: &[u8]) -> Vec<u8> {
    sha2_32(data, &IV256, 32)
}

/// SHA-384 of `data` (48 bytes).
pub fn sha384(data: &[u8]) -> Vec<u8> {
    sha2_64(data, &IV384, 48)
}

/// SHA-512 of `data` (64 bytes).
pub fn sha512(data: &[u8]) -> Vec<u8> {
    sha2_64(data, &IV512, 64)
}

const IV256: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

const IV384: [u64; 8] = [
    0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
    0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
];

const IV512: [u64; 8] = [
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
];

const K256: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
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
    fn known_answers() {
        let hex = |v: Vec<u8>| v.iter().map(|b| alloc::format!("{b:02x}")).collect::<alloc::string::String>();
        assert_eq!(hex(sha256(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(&hex(sha512(b"abc"))[..32], "ddaf35a193617abacc417349ae204131");
        assert_eq!(&hex(sha384(b""))[..32], "38b060a751ac96384cd9327eb1b1e36a");
    }
}
