//! (client core)
