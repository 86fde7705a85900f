//! The allocator checks, run by `heap_wasm.rs` (Node) and `heap_browser.rs`.

use wasm_bindgen_test::wasm_bindgen_test;

/// Links the crate, and with it its `#[global_allocator]`.
fn crate_linked() {
    assert_eq!(botpress_chat_wasm::API_VERSION, "1.0.0");
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Only a size-class allocator grows a 17-byte block to 32 bytes in place
/// while the next block sits right after it; dlmalloc would have to move it.
#[wasm_bindgen_test]
fn the_global_allocator_is_the_size_class_one() {
    crate_linked();
    let mut a: Vec<u8> = Vec::with_capacity(17);
    let b: Vec<u8> = Vec::with_capacity(17);
    a.extend_from_slice(&[7; 17]);
    let before = a.as_ptr();
    a.reserve_exact(15);
    assert!(a.capacity() >= 32);
    assert_eq!(a.as_ptr(), before, "a 17-byte block grew to 32 bytes elsewhere");
    // Freed blocks of a class come back last-freed first.
    let p = b.as_ptr();
    drop(b);
    let c: Vec<u8> = Vec::with_capacity(20);
    assert_eq!(c.as_ptr(), p);
}

/// Random sizes (mostly small, a few up to 256 KiB), over-aligned blocks,
/// frees and reallocations; every live block holds its own byte pattern, so
/// an overlap or a bad copy shows up as a wrong byte.
#[wasm_bindgen_test]
fn random_sizes_and_frees_keep_every_blocks_contents() {
    crate_linked();
    #[repr(align(64))]
    #[derive(Clone, Copy)]
    struct Line([u8; 64]);
    for seed in 1..=3u64 {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ seed);
        let mut live: Vec<(Vec<u8>, u8)> = Vec::new();
        let mut lines: Vec<(Box<[Line]>, u8)> = Vec::new();
        let check = |bytes: &[u8], tag: u8| assert!(bytes.iter().all(|&b| b == tag), "a block lost its contents");
        for step in 0..30_000u32 {
            let tag = (step % 251) as u8;
            match rng.below(12) {
                0..=4 => {
                    let size = match rng.below(100) {
                        0..=79 => rng.below(128),
                        80..=97 => rng.below(8_192),
                        _ => rng.below(262_144),
                    } as usize;
                    live.push((vec![tag; size], tag));
                }
                5..=7 if !live.is_empty() => {
                    let (v, t) = live.swap_remove(rng.below(live.len() as u64) as usize);
                    check(&v, t);
                }
                8..=9 if !live.is_empty() => {
                    let i = rng.below(live.len() as u64) as usize;
                    let (v, t) = &mut live[i];
                    check(v, *t);
                    let size = rng.below(3 * v.len() as u64 + 64) as usize;
                    v.resize(size, *t);
                    if rng.below(2) == 0 {
                        v.shrink_to_fit();
                    }
                    check(v, *t);
                }
                10 => {
                    let n = 1 + rng.below(40) as usize;
                    let b = vec![Line([tag; 64]); n].into_boxed_slice();
                    assert_eq!(b.as_ptr() as usize % 64, 0);
                    lines.push((b, tag));
                }
                _ if !lines.is_empty() => {
                    let (b, t) = lines.swap_remove(rng.below(lines.len() as u64) as usize);
                    b.iter().for_each(|l| check(&l.0, t));
                }
                _ => {}
            }
        }
        live.iter().for_each(|(v, t)| check(v, *t));
        lines.iter().for_each(|(b, t)| b.iter().for_each(|l| check(&l.0, *t)));
    }
}
