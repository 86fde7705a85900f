//! A small allocator for the wasm build (feature `small-alloc`, on by
//! default): power-of-two size classes, each with its own free list, carved
//! from pages obtained with `memory.grow`. Freed blocks are reused by later
//! requests of the same class; memory is never given back (wasm cannot shrink
//! it anyway). Far smaller in code than the standard dlmalloc, and fast for
//! the client's pattern of short-lived strings and buffers.
//!
//! Rust applications that bring their own global allocator disable the
//! feature (`default-features = false`).

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

pub struct SizeClassAlloc(UnsafeCell<State>);

// wasm32 without threads: one thread only.
unsafe impl Sync for SizeClassAlloc {}

impl SizeClassAlloc {
    pub const fn new() -> Self {
        SizeClassAlloc(UnsafeCell::new(State { free: [0; CLASSES], next: 0, end: 0 }))
    }
}

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
    unsafe fn carve(&mut self, class: u32, align: usize) -> *mut u8 {
        let size = 1usize << class;
        let mut start = (self.next + align - 1) & !(align - 1);
        if self.end == 0 || start + size > self.end {
            let pages = (size + align).div_ceil(PAGE).max(4);
            let prev = core::arch::wasm32::memory_grow(0, pages);
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

unsafe impl GlobalAlloc for SizeClassAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(&layout) else {
            return core::ptr::null_mut();
        };
        let st = &mut *self.0.get();
        let align = layout.align().max(1 << MIN_CLASS);
        let head = st.free[class as usize];
        // Free blocks are 16-aligned; a larger alignment gets a new block.
        if head != 0 && align == 1 << MIN_CLASS {
            st.free[class as usize] = *(head as *const usize);
            return head as *mut u8;
        }
        st.carve(class, align)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(class) = class_of(&layout) {
            let st = &mut *self.0.get();
            *(ptr as *mut usize) = st.free[class as usize];
            st.free[class as usize] = ptr as usize;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        if class_of(&layout).is_some() && class_of(&layout) == class_of(&new_layout) {
            return ptr;
        }
        let new = self.alloc(new_layout);
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}
