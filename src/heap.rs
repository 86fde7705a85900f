//! A small allocator for the wasm build (feature `small-alloc`, on by
//! default): power-of-two size classes, each with its own free list, carved
//! from pages obtained with `memory.grow`. Freed blocks are reused by later
//! requests of the same class; memory is never given back (wasm cannot shrink
//! it anyway). Far smaller in code than the standard dlmalloc, and fast for
//! the client's pattern of short-lived strings and buffers.
//!
//! The allocator is the application's choice: `src/lib.rs` sets it for the
//! package this crate builds; Rust applications that link the crate and bring
//! their own disable the feature (`default-features = false`). BENCHMARKS.md
//! ("Allocator") has the comparison with maintained allocators that keeps
//! this one.
//!
//! Pages come from [`grow`]: `memory.grow` on wasm; natively (unit tests
//! only) a buffer of the test's own, so that the same code is tested on both.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;

const PAGE: usize = 65536;
/// Smallest block (16 bytes): room for the free-list link; blocks are 16-aligned.
const MIN_CLASS: u32 = 4;
const CLASSES: usize = 32;

struct State {
    /// Head of each class's free list (0: empty); a free block holds the next.
    free: [usize; CLASSES],
    /// Unused space of the last pages grown: `next..end`.
    next: usize,
    end: usize,
}

/// The allocator: one state, used from one thread.
pub struct SizeClassAlloc(UnsafeCell<State>);

// The state has no lock: it is sound only where one thread allocates. A wasm
// build with shared memory and atomics (wasm threads) could call it from
// several threads at once, so that build refuses to compile.
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
compile_error!("src/heap.rs is single-threaded: build without wasm threads, or turn off the feature `small-alloc`");

// SAFETY: wasm32 without the `atomics` target feature (refused above) runs one
// thread, so the state is never reached from two threads. The native unit
// tests give each thread its own allocator and page source.
unsafe impl Sync for SizeClassAlloc {}

impl SizeClassAlloc {
    /// An allocator that owns no pages yet.
    pub const fn new() -> Self {
        SizeClassAlloc(UnsafeCell::new(State { free: [0; CLASSES], next: 0, end: 0 }))
    }
}

/// Adds `pages` pages of 64 KiB; returns the index of the first new page
/// (the size in pages before growing), or `usize::MAX` if memory is full.
#[cfg(target_arch = "wasm32")]
fn grow(pages: usize) -> usize {
    core::arch::wasm32::memory_grow(0, pages)
}

#[cfg(not(target_arch = "wasm32"))]
use tests::grow;

/// The class of a layout: blocks of `1 << class` bytes.
fn class_of(layout: &Layout) -> Option<u32> {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    if size > 1 << 30 {
        return None;
    }
    Some(size.next_power_of_two().trailing_zeros())
}

impl State {
    /// A new block of `1 << class` bytes aligned to `align` (at least 16:
    /// every block size is a multiple of 16, so the bump pointer stays 16-aligned).
    ///
    /// # Safety
    /// `align` is a power of two; the pages `grow` hands out belong to this
    /// allocator alone (nothing else grows the memory it carves from).
    unsafe fn carve(&mut self, class: u32, align: usize) -> *mut u8 {
        let size = 1usize << class;
        let mut start = (self.next + align - 1) & !(align - 1);
        if self.end == 0 || start + size > self.end {
            let pages = (size + align).div_ceil(PAGE).max(4);
            let prev = grow(pages);
            if prev == usize::MAX {
                return core::ptr::null_mut();
            }
            let base = prev * PAGE;
            if base != self.end {
                // Not contiguous with what is left: start afresh there.
                self.next = base;
            }
            self.end = base + pages * PAGE;
            start = (self.next + align - 1) & !(align - 1);
        }
        self.next = start + size;
        start as *mut u8
    }
}

// SAFETY: every block handed out is `1 << class` bytes for a class that holds
// the layout's size and alignment, inside pages only this allocator uses; a
// block is on at most one free list, and only after `dealloc` gave it back.
unsafe impl GlobalAlloc for SizeClassAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(&layout) else {
            return core::ptr::null_mut();
        };
        // SAFETY: one thread (see `Sync` above), and no reference to the
        // state outlives this call, so this is the only one.
        let st = &mut *self.0.get();
        let align = layout.align().max(1 << MIN_CLASS);
        let head = st.free[class as usize];
        // Free blocks are 16-aligned; a larger alignment gets a new block.
        if head != 0 && align == 1 << MIN_CLASS {
            // SAFETY: `head` is a free block of this class (at least 16 bytes,
            // 16-aligned) whose first word `dealloc` wrote: the next free block.
            st.free[class as usize] = *(head as *const usize);
            return head as *mut u8;
        }
        st.carve(class, align)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(class) = class_of(&layout) {
            // SAFETY: as in `alloc`; `ptr` came from `alloc` with this layout,
            // so it is a block of this class, 16-aligned, no longer used by the
            // caller: its first word may hold the free-list link.
            let st = &mut *self.0.get();
            *(ptr as *mut usize) = st.free[class as usize];
            st.free[class as usize] = ptr as usize;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `GlobalAlloc::realloc`'s contract: `new_size`, rounded up to
        // `layout.align()`, does not overflow `isize`.
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        if class_of(&layout).is_some() && class_of(&layout) == class_of(&new_layout) {
            return ptr;
        }
        let new = self.alloc(new_layout);
        if !new.is_null() {
            // SAFETY: two distinct live blocks, each at least the copied length.
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// This thread's page source: `(first page, pages in all, pages used, pages to skip on the next grow)`.
        static PAGES: Cell<(usize, usize, usize, usize)> = const { Cell::new((0, 0, 0, 0)) };
    }

    /// The native page source: pages of the buffer that [`Region`] set up for this thread.
    pub(super) fn grow(pages: usize) -> usize {
        let (first, total, used, skip) = PAGES.get();
        if used + skip + pages > total {
            return usize::MAX;
        }
        PAGES.set((first, total, used + skip + pages, 0));
        first + used + skip
    }

    /// A page-aligned buffer of `pages` pages that this thread's allocator grows into.
    struct Region {
        ptr: *mut u8,
        layout: Layout,
    }

    impl Region {
        fn new(pages: usize) -> Region {
            let layout = Layout::from_size_align(pages * PAGE, PAGE).unwrap();
            let ptr = unsafe { std::alloc::alloc(layout) };
            assert!(!ptr.is_null());
            PAGES.set((ptr as usize / PAGE, pages, 0, 0));
            Region { ptr, layout }
        }

        /// Makes the next grow leave `pages` pages unused, as another user of `memory.grow` would.
        fn skip(&self, pages: usize) {
            let (first, total, used, _) = PAGES.get();
            PAGES.set((first, total, used, pages));
        }

        fn contains(&self, p: *mut u8, size: usize) -> bool {
            p as usize >= self.ptr as usize && p as usize + size <= self.ptr as usize + self.layout.size()
        }
    }

    impl Drop for Region {
        fn drop(&mut self) {
            PAGES.set((0, 0, 0, 0));
            unsafe { std::alloc::dealloc(self.ptr, self.layout) };
        }
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
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

    #[test]
    fn classes_are_powers_of_two_from_16_bytes() {
        assert_eq!(class_of(&layout(0, 1)), Some(4));
        assert_eq!(class_of(&layout(1, 1)), Some(4));
        assert_eq!(class_of(&layout(16, 8)), Some(4));
        assert_eq!(class_of(&layout(17, 1)), Some(5));
        assert_eq!(class_of(&layout(8, 64)), Some(6));
        assert_eq!(class_of(&layout(1 << 30, 1)), Some(30));
        assert_eq!(class_of(&layout((1 << 30) + 1, 1)), None);
    }

    #[test]
    fn blocks_are_aligned_distinct_and_reused_last_freed_first() {
        let region = Region::new(16);
        let a = SizeClassAlloc::new();
        unsafe {
            let l = layout(24, 8);
            let p = a.alloc(l);
            let q = a.alloc(l);
            assert!(!p.is_null() && !q.is_null() && p != q);
            assert!(region.contains(p, 32) && region.contains(q, 32));
            assert_eq!(p as usize % 16, 0);
            assert!((p as usize).abs_diff(q as usize) >= 32, "blocks of class 32 overlap");
            a.dealloc(p, l);
            a.dealloc(q, l);
            // Same class (17..=32 bytes): the last block freed comes back first.
            assert_eq!(a.alloc(layout(30, 2)), q);
            assert_eq!(a.alloc(l), p);
            // A larger alignment never takes a 16-aligned free block.
            a.dealloc(p, l);
            let big = a.alloc(layout(32, 4096));
            assert_ne!(big, p);
            assert_eq!(big as usize % 4096, 0);
            assert!(region.contains(big, 4096));
        }
    }

    #[test]
    fn realloc_keeps_the_block_within_its_class_and_the_contents_across() {
        let _region = Region::new(16);
        let a = SizeClassAlloc::new();
        unsafe {
            let l = layout(20, 1);
            let p = a.alloc(l);
            for i in 0..20 {
                *p.add(i) = i as u8;
            }
            assert_eq!(a.realloc(p, l, 32), p);
            let q = a.realloc(p, layout(32, 1), 1000);
            assert_ne!(q, p);
            assert_eq!(std::slice::from_raw_parts(q, 20), (0..20).collect::<Vec<u8>>().as_slice());
            // The old block went back to its free list.
            assert_eq!(a.alloc(layout(32, 1)), p);
        }
    }

    #[test]
    fn full_memory_gives_null_and_freed_blocks_still_serve() {
        let _region = Region::new(8);
        let a = SizeClassAlloc::new();
        unsafe {
            let l = layout(PAGE, 1);
            let mut got = Vec::new();
            loop {
                let p = a.alloc(l);
                if p.is_null() {
                    break;
                }
                got.push(p);
            }
            // Eight pages; the first grow takes four and a second one fits.
            assert_eq!(got.len(), 8);
            assert!(a.alloc(layout(1 << 31, 1)).is_null(), "over the largest class");
            a.dealloc(got[3], l);
            assert_eq!(a.alloc(l), got[3]);
            assert!(a.alloc(l).is_null());
        }
    }

    #[test]
    fn growth_that_is_not_contiguous_starts_at_the_new_pages() {
        let region = Region::new(32);
        let a = SizeClassAlloc::new();
        unsafe {
            // A block of four pages; the grow took five (room for alignment), one is left.
            let first = a.alloc(layout(4 * PAGE - 64, 1));
            assert_eq!(first, region.ptr);
            region.skip(3);
            // Two pages do not fit in the one left: four more are grown after a gap of three.
            let next = a.alloc(layout(2 * PAGE, 1));
            assert_eq!(next as usize, region.ptr as usize + 8 * PAGE);
            // What was left before the gap is abandoned: the next block follows.
            let after = a.alloc(layout(1024, 1));
            assert_eq!(after as usize, region.ptr as usize + 10 * PAGE);
        }
    }

    /// Random sizes, alignments, frees and reallocs; every live block keeps its
    /// own byte pattern, so any overlap or lost copy shows up as a wrong byte.
    #[test]
    fn random_allocations_keep_their_contents() {
        for seed in 1..=4u64 {
            let region = Region::new(1024);
            let a = SizeClassAlloc::new();
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed);
            let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
            let check = |p: *mut u8, l: Layout, tag: u8| {
                let bytes = unsafe { std::slice::from_raw_parts(p, l.size()) };
                assert!(bytes.iter().all(|&b| b == tag), "block {p:?} ({l:?}) lost its contents");
            };
            for step in 0..20_000u32 {
                let tag = (step % 251) as u8;
                match rng.below(10) {
                    0..=4 => {
                        let size = match rng.below(100) {
                            0..=79 => rng.below(100),
                            80..=97 => rng.below(5_000),
                            _ => rng.below(200_000),
                        } as usize;
                        let l = layout(size, 1 << rng.below(9));
                        let p = unsafe { a.alloc(l) };
                        assert!(!p.is_null());
                        assert_eq!(p as usize % l.align().max(16), 0);
                        assert!(region.contains(p, size));
                        unsafe { p.write_bytes(tag, size) };
                        live.push((p, l, tag));
                    }
                    5..=7 if !live.is_empty() => {
                        let (p, l, t) = live.swap_remove(rng.below(live.len() as u64) as usize);
                        check(p, l, t);
                        unsafe { a.dealloc(p, l) };
                    }
                    _ if !live.is_empty() => {
                        let i = rng.below(live.len() as u64) as usize;
                        let (p, l, t) = live[i];
                        check(p, l, t);
                        let size = rng.below(3 * l.size() as u64 + 64) as usize;
                        let q = unsafe { a.realloc(p, l, size) };
                        assert!(!q.is_null());
                        let nl = layout(size, l.align());
                        check(q, layout(size.min(l.size()), 1), t);
                        unsafe { q.write_bytes(tag, size) };
                        live[i] = (q, nl, tag);
                    }
                    _ => {}
                }
            }
            for &(p, l, t) in &live {
                check(p, l, t);
            }
        }
    }
}
