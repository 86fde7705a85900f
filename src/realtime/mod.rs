//! Realtime listening: reconnect policy, backfill, stream assembly.
