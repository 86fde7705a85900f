//! (realtime)
